package jobs

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// damagedFixture records attempts with serials into a fresh file and
// returns its bytes.
func damagedFixture(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "attempts.db")
	s := openTest(t, path, Options{NoSync: true})
	for i := 0; i < 300; i++ {
		a := realisticAttempt(i, "c0ffee"+string(rune('a'+i%6)))
		record(t, s, a, Pass)
	}
	for i := 0; i < 20; i++ {
		a := begin(t, s)
		reserve(t, s, a)
		finish(t, s, a, Fail)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDamagedFileRefusedWithOneLine: a file cut short or with pages of
// random bytes is refused by every Open with ErrDamaged and one line
// naming the file and the backup, never a panic; a page bbolt does not
// reach may be damaged without consequence.
func TestDamagedFileRefusedWithOneLine(t *testing.T) {
	good := damagedFixture(t)
	const page = 4096
	pages := len(good) / page
	type damage struct {
		name string
		make func(rng *rand.Rand) []byte
	}
	cases := []damage{
		{"cut to half", func(*rand.Rand) []byte { return good[:len(good)/2] }},
		{"cut to one page", func(*rand.Rand) []byte { return good[:page] }},
		{"both meta pages zeroed", func(*rand.Rand) []byte {
			b := append([]byte(nil), good...)
			clear(b[:2*page])
			return b
		}},
	}
	for seed := range 40 {
		cases = append(cases, damage{"random pages", func(rng *rand.Rand) []byte {
			b := append([]byte(nil), good...)
			for range 1 + seed%4 {
				p := 2 + rng.IntN(pages-2)
				for i := p * page; i < (p+1)*page; i++ {
					b[i] = byte(rng.Uint32())
				}
			}
			return b
		}})
		cases = append(cases, damage{"random bytes", func(rng *rand.Rand) []byte {
			b := append([]byte(nil), good...)
			for range 1 + seed {
				b[2*page+rng.IntN(len(b)-2*page)] ^= byte(1 + rng.IntN(255))
			}
			return b
		}})
	}
	refused := 0
	for i, c := range cases {
		rng := rand.New(rand.NewPCG(uint64(i), 7))
		path := filepath.Join(t.TempDir(), "attempts.db")
		if err := os.WriteFile(path, c.make(rng), 0o644); err != nil {
			t.Fatal(err)
		}
		rep, err := CheckFile(path, 0)
		if err != nil {
			t.Fatalf("case %d: CheckFile: %v", i, err)
		}
		for _, ro := range []bool{true, false} {
			s, err := Open(path, Options{ReadOnly: ro, Logger: quiet})
			if err != nil {
				msg := err.Error()
				if !errors.Is(err, ErrDamaged) || !strings.Contains(msg, path) || !strings.Contains(msg, "restore a backup") || strings.Contains(msg, "\n") {
					t.Errorf("case %d (%s), read-only %v: %q; want one ErrDamaged line naming the file and the backup", i, c.name, ro, msg)
				}
				refused++
				if rep.OK() {
					t.Errorf("case %d (%s): Open refused the file, CheckFile found nothing", i, c.name)
				}
				continue
			}
			// Damage bbolt never reaches, or inside a value: reads go on
			// (a damaged value is that attempt's error).
			if _, err := s.Query(context.Background(), Filter{}); err != nil && rep.OK() {
				t.Errorf("case %d (%s): a query fails (%v), CheckFile found nothing", i, c.name, err)
			}
			s.Close()
		}
	}
	if refused < 6 {
		t.Errorf("only %d opens refused", refused)
	}
	t.Logf("%d of %d opens refused", refused, 2*len(cases))
}
