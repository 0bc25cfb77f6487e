package nrf52

import (
	"context"
	"fmt"

	"github.com/flashstation/flashstation/targets/access"
)

// WriteBytes programs per-unit data (a serial number in flash, UICR
// CUSTOMER words). The words it touches keep their other bytes; a bit
// that would have to go from 0 to 1 is refused, as only an erase does
// that. The bytes are read back afterwards.
func (s *Session) WriteBytes(ctx context.Context, addr uint32, data []byte) error {
	if len(data) == 0 {
		return nil
	}
	if _, ok := s.v.Programmable(addr, uint64(len(data))); !ok {
		return fmt.Errorf("nrf52: 0x%08X..0x%08X lies outside %s flash and UICR",
			addr, uint64(addr)+uint64(len(data))-1, s.v.Part)
	}
	if err := s.ready(ctx); err != nil {
		return err
	}
	base := addr &^ 3
	end := (addr + uint32(len(data)) + 3) &^ 3
	cur, err := s.readBytes(ctx, base, int(end-base))
	if err != nil {
		return err
	}
	next := append([]byte(nil), cur...)
	copy(next[addr-base:], data)
	var runs []run
	for i := 0; i < len(next); i += 4 {
		a := base + uint32(i)
		have := le32(cur[i:])
		want := le32(next[i:])
		if have == want {
			continue
		}
		if have&want != want {
			return fmt.Errorf("nrf52: 0x%08X holds 0x%08X; 0x%08X needs bits set back to 1, which only an erase does",
				a, have, want)
		}
		runs = append(runs, run{addr: a, words: []uint32{want}})
	}
	if err := s.writeRuns(ctx, runs, nil); err != nil {
		return err
	}
	got, err := s.readBytes(ctx, addr, len(data))
	if err != nil {
		return err
	}
	if e := access.Compare(nil, addr, data, got); e != nil {
		return fmt.Errorf("nrf52: write bytes: %w", e)
	}
	return nil
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}
