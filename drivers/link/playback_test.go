package link

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseExchanges(t *testing.T) {
	tests := []struct {
		name, in string
		want     []Exchange
		wantErr  string
	}{
		{name: "plain", in: "> 00 f0\n< 00 01 13\n",
			want: []Exchange{{Dir: Out, Data: []byte{0, 0xf0}}, {Dir: In, Data: []byte{0, 1, 0x13}}}},
		{name: "packed hex and comments", in: "# c\n\n>00f0 # trailing\n",
			want: []Exchange{{Dir: Out, Data: []byte{0, 0xf0}, Note: "c"}}},
		{name: "padding", in: "> 01 ..4\n",
			want: []Exchange{{Dir: Out, Data: []byte{1, 0, 0, 0}}}},
		{name: "error words", in: "< timeout\n< disconnected\n> closed\n",
			want: []Exchange{{Dir: In, Err: ErrTimeout}, {Dir: In, Err: ErrDisconnected}, {Dir: Out, Err: ErrClosed}}},
		{name: "bad direction", in: "> 00\n= 00\n", wantErr: "t:2: line must start with"},
		{name: "odd hex", in: "> 0\n", wantErr: "t:1: byte field 1 \"0\": odd number"},
		{name: "not hex", in: "> zz\n", wantErr: "t:1: byte field 1 \"zz\": not hex"},
		{name: "padding shorter than data", in: "> 01 02 ..1\n", wantErr: "t:1: padding \"..1\""},
		{name: "padding not last", in: "> ..4 01\n", wantErr: "must be the last field"},
		{name: "padding too big", in: "> ..99999999\n", wantErr: "padding"},
		{name: "empty packet", in: ">\n", wantErr: "t:1: empty packet"},
		{name: "unknown word", in: "< nope\n", wantErr: "not hex"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseExchanges(strings.NewReader(tt.in), "t")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !sameExchanges(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i].Note != tt.want[i].Note {
					t.Errorf("exchange %d note %q, want %q", i, got[i].Note, tt.want[i].Note)
				}
			}
		})
	}
}

func TestPlaybackFile(t *testing.T) {
	ctx := context.Background()
	pb, err := LoadPlayback(filepath.Join("testdata", "example.txt"))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	if _, err := pb.Write(ctx, []byte{0x00, 0xF0}); err != nil {
		t.Fatal(err)
	}
	n, err := pb.Read(ctx, buf)
	if err != nil || !bytes.Equal(buf[:n], []byte{0x00, 0x01, 0x13}) {
		t.Fatalf("Read = % x, %v", buf[:n], err)
	}
	report := make([]byte, 64)
	report[1] = 0xFE
	if _, err := pb.Write(ctx, report); err != nil {
		t.Fatal(err)
	}
	if n, err := pb.Read(ctx, buf); err != nil || n != 64 || buf[2] != 4 {
		t.Fatalf("Read = %d % x, %v", n, buf[:n], err)
	}
	if _, err := pb.Read(ctx, buf); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Read err = %v, want timeout", err)
	}
	if err := pb.Done(); err != nil {
		t.Fatal(err)
	}
}

func TestPlaybackMismatch(t *testing.T) {
	ctx := context.Background()
	ex := []Exchange{{Dir: Out, Data: []byte{1, 2, 3}, Line: 7}, {Dir: In, Data: []byte{9}}}
	tests := []struct {
		name    string
		run     func(pb *Playback) error
		wantErr string
	}{
		{"wrong byte", func(pb *Playback) error { _, err := pb.Write(ctx, []byte{1, 2, 4}); return err },
			"t exchange 0 (line 7): write differs at byte 2: want 03 (3 bytes), got 04 (3 bytes)"},
		{"short write", func(pb *Playback) error { _, err := pb.Write(ctx, []byte{1, 2}); return err },
			"write differs at byte 2: want 03 (3 bytes), got end of packet (2 bytes)"},
		{"read instead of write", func(pb *Playback) error { _, err := pb.Read(ctx, make([]byte, 4)); return err },
			"driver did a read, recording has a write"},
		{"read buffer small", func(pb *Playback) error {
			if _, err := pb.Write(ctx, []byte{1, 2, 3}); err != nil {
				return err
			}
			_, err := pb.Read(ctx, nil)
			return err
		}, "read buffer of 0 bytes, recorded packet has 1"},
		{"past the end", func(pb *Playback) error {
			if _, err := pb.Write(ctx, []byte{1, 2, 3}); err != nil {
				return err
			}
			if _, err := pb.Read(ctx, make([]byte, 1)); err != nil {
				return err
			}
			_, err := pb.Write(ctx, []byte{0})
			return err
		}, "driver did a write after the last of 2 exchanges"},
		{"leftover", func(pb *Playback) error {
			if _, err := pb.Write(ctx, []byte{1, 2, 3}); err != nil {
				return err
			}
			return pb.Done()
		}, "t exchange 1: 1 of 2 exchanges left over, next a read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pb := NewPlayback("t", ex)
			err := tt.run(pb)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrMismatch) {
				t.Fatalf("err = %v, want ErrMismatch containing %q", err, tt.wantErr)
			}
			// The first mismatch sticks: Done reports it too.
			if derr := pb.Done(); derr == nil || derr.Error() != err.Error() {
				t.Errorf("Done = %v, want the first mismatch", derr)
			}
		})
	}
}

func TestPlaybackClosedAndCancelled(t *testing.T) {
	pb := NewPlayback("t", []Exchange{{Dir: Out, Data: []byte{1}}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := pb.Write(ctx, []byte{1}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Write = %v", err)
	}
	pb.Close()
	if _, err := pb.Write(context.Background(), []byte{1}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close = %v", err)
	}
}

// FuzzParseExchanges checks the parser never panics and that whatever it
// accepts survives a format/parse round trip unchanged.
func FuzzParseExchanges(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.txt"))
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("> 00 ..64\n< timeout\n")
	f.Add("# only a comment")
	f.Add("> ..0\n")
	f.Fuzz(func(t *testing.T, in string) {
		ex, err := ParseExchanges(strings.NewReader(in), "fuzz")
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := FormatExchanges(&out, "", ex); err != nil {
			t.Fatal(err)
		}
		again, err := ParseExchanges(&out, "again")
		if err != nil {
			t.Fatalf("formatted output does not parse: %v\n%s", err, out.String())
		}
		if !sameExchanges(ex, again) {
			t.Fatalf("round trip changed exchanges:\n%+v\n%+v", ex, again)
		}
	})
}
