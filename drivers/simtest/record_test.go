package simtest

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/flashstation/flashstation/drivers/link"
)

var update = flag.Bool("update", false, "re-record testdata/*.txt from the simulator (go test -run TestRecord -update)")

// recordCases: each probe kind's connect and a small RAM write and
// read-back, as exchange files. Chips vary so both STM32 families and the
// RP2040's multidrop DP are covered; all have SRAM at 0x20000000.
var recordCases = []struct {
	file      string
	spec      string
	targetSel *uint32
}{
	{"cmsis-dap-v1.txt", "cmsis-dap-v1:stm32f103c8", nil},
	{"cmsis-dap-v2.txt", "cmsis-dap-v2:stm32f411ce", nil},
	{"stlink-v2.txt", "stlink-v2:stm32f103c8", nil},
	{"stlink-v2-old.txt", "stlink-v2-old:stm32f103cb", nil},
	{"stlink-v3.txt", "stlink-v3:stm32f411ce", nil},
	{"rp2040-multidrop.txt", "cmsis-dap-v2:rp2040", ptr(RP2040Core0)},
}

func ptr(v uint32) *uint32 { return &v }

// ramWords is the recorded RAM traffic: on CMSIS-DAP v1 the write's
// set-up report (SELECT, CSW, TAR) has room for 9 of them, so the write
// goes on in a DAP_TransferBlock: both kinds of command of a TAR window
// are on record.
const ramWords = 12

func ramPattern() []uint32 {
	w := make([]uint32, ramWords)
	for i := range w {
		w[i] = 0xC0DE0000 | uint32(i)*0x0101
	}
	return w
}

// sequence is what every recording holds after the driver's Open: connect,
// memory set-up, write ramWords, read them back. It checks the read-back.
func sequence(ctx context.Context, r *Rig, targetSel *uint32) error {
	mem, err := r.Memory(ctx, 4_000_000, targetSel)
	if err != nil {
		return err
	}
	src := ramPattern()
	if err := mem.WriteMemory32(ctx, 0x20000000, src); err != nil {
		return err
	}
	dst := make([]uint32, len(src))
	if err := mem.ReadMemory32(ctx, 0x20000000, dst); err != nil {
		return err
	}
	for i := range src {
		if dst[i] != src[i] {
			return fmt.Errorf("word %d read back 0x%08x, wrote 0x%08x", i, dst[i], src[i])
		}
	}
	return nil
}

// record runs the sequence against the simulator and returns the exchange
// file it makes.
func record(ctx context.Context, spec string, targetSel *uint32) ([]byte, error) {
	var rec *link.Recorder
	r, err := Open(ctx, spec, Options{Wrap: func(l link.Link) link.Link {
		rec = link.NewRecorder(l)
		return rec
	}})
	if err != nil {
		return nil, err
	}
	if err := sequence(ctx, r, targetSel); err != nil {
		r.Close()
		return nil, err
	}
	// Closing is part of the recording: ST-Links leave debug mode.
	if err := r.Close(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	header := fmt.Sprintf("%s: open, connect at 4 MHz SWD, write and read back %d words at 0x20000000.\n"+
		"Recorded from drivers/sim by drivers/simtest; regenerate with: go test ./drivers/simtest -run TestRecord -update", spec, ramWords)
	if err := rec.Save(&b, header); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// TestRecord records each sequence against the simulator and compares it
// with the file: a change on either side, driver or simulated probe,
// shows as a diff. With -update it rewrites the files instead.
func TestRecord(t *testing.T) {
	for _, tc := range recordCases {
		t.Run(tc.file, func(t *testing.T) {
			got, err := record(t.Context(), tc.spec, tc.targetSel)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tc.file)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (record it with -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s: the simulator and driver now exchange other bytes:\n%s\n(if intended, re-record with -update)", path, firstLineDiff(want, got))
			}
		})
	}
}

// TestReplay runs the driver against each recording alone: a driver change
// that alters one byte, or a transfer more or fewer, fails here even with
// the simulator unchanged.
func TestReplay(t *testing.T) {
	for _, tc := range recordCases {
		t.Run(tc.file, func(t *testing.T) {
			pb, err := link.LoadPlayback(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			// The fixture supplies only the USB descriptors discovery reads;
			// every transfer goes to the playback.
			r, err := Open(t.Context(), tc.spec, Options{Wrap: func(l link.Link) link.Link {
				l.Close()
				return pb
			}})
			if err != nil {
				t.Fatal(err)
			}
			if err := sequence(t.Context(), r, tc.targetSel); err != nil {
				t.Fatal(err)
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			if err := pb.Done(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// firstLineDiff shows the first differing line of two exchange files.
func firstLineDiff(want, got []byte) string {
	w, g := bytes.Split(want, []byte("\n")), bytes.Split(got, []byte("\n"))
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl []byte
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if !bytes.Equal(wl, gl) {
			return fmt.Sprintf("line %d:\n  file:     %s\n  recorded: %s", i+1, wl, gl)
		}
	}
	return "(no line differs)"
}

// TestReplayCatchesChange proves the replay can fail: a recording whose
// RAM write differs by one bit makes the driver's write a mismatch.
func TestReplayCatchesChange(t *testing.T) {
	for _, tc := range recordCases {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			ex, err := link.ParseExchanges(bytes.NewReader(b), tc.file)
			if err != nil {
				t.Fatal(err)
			}
			// Flip a bit of the last pattern word (…de c0) the driver writes.
			flipped := false
			for i := len(ex) - 1; i >= 0 && !flipped; i-- {
				if j := bytes.LastIndex(ex[i].Data, []byte{0xde, 0xc0}); ex[i].Dir == link.Out && j >= 0 {
					ex[i].Data[j+1] ^= 0x01
					flipped = true
				}
			}
			if !flipped {
				t.Fatal("no write of the RAM pattern in the recording")
			}
			pb := link.NewPlayback(tc.file, ex)
			r, err := Open(t.Context(), tc.spec, Options{Wrap: func(l link.Link) link.Link {
				l.Close()
				return pb
			}})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if err := sequence(t.Context(), r, tc.targetSel); !errors.Is(err, link.ErrMismatch) {
				t.Fatalf("replay of an altered recording: %v, want a mismatch", err)
			}
		})
	}
}
