package stm32

import (
	"context"
	"fmt"
)

// CheckErased refuses a per-unit write (a serial number, calibration
// data) into program units that already hold data. The F4 controller
// programs by clearing bits only and reports nothing when the target was
// not erased (RM0383 §3.5.4), so the write would silently leave the AND of
// old and new; the F1 answers PGERR (RM0008 §3.3.3) except for 0x0000. A
// per-unit write is meant for erased flash either way, so it is checked
// first and refused with the address.
func (b *Base) CheckErased(ctx context.Context, segs []Segment) error {
	for _, s := range segs {
		buf := make([]byte, len(s.Data))
		if err := b.T.ReadBytes(ctx, s.Addr, buf); err != nil {
			return fmt.Errorf("read 0x%08X before writing: %w", s.Addr, err)
		}
		for i, v := range buf {
			if v != 0xFF {
				return fmt.Errorf("0x%08X already holds 0x%02X: per-unit data goes into erased flash (erase that %s first)",
					s.Addr+uint32(i), v, b.unitName())
			}
		}
	}
	return nil
}

func (b *Base) unitName() string {
	if b.V.Family == "stm32f4" {
		return "sector"
	}
	return "page"
}
