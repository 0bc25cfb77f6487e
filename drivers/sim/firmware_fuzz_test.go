package sim

import (
	"context"
	"testing"
)

// FuzzProbePackets feeds arbitrary packets to every simulated probe
// firmware, wired to a real simulated board, through the simulated Link:
// whatever a driver (or a broken one) sends, the simulator must answer or
// stay silent, never panic or hang. Input: a sequence of length-prefixed
// packets, the first byte choosing the probe.
func FuzzProbePackets(f *testing.F) {
	// CMSIS-DAP: info, connect, JTAG-to-SWD, DPIDR read, a block.
	f.Add([]byte{0, 2, 0x00, 0xFE, 2, 0x02, 0x01, 19, 0x12, 0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x9e, 0xe7, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 4, 0x05, 0x00, 0x01, 0x02, 5, 0x06, 0x00, 0x03, 0x00, 0x0f})
	f.Add([]byte{1, 3, 0x7f, 0x02, 0x00, 2, 0x7e, 0x01})
	// ST-Link: version, mode, enter SWD, read memory with a short data phase.
	f.Add([]byte{2, 2, 0xf1, 0x80, 1, 0xf5, 3, 0xf2, 0x30, 0xa3, 10, 0xf2, 0x07, 0x00, 0x00, 0x00, 0x20, 0x08, 0x00, 0x00, 0x00})
	f.Add([]byte{3, 16, 0xf2, 0x08, 0, 0, 0, 0x20, 0x00, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4})
	f.Add([]byte{4, 1, 0xfb})
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		specs := []string{"cmsis-dap-v1:stm32f103c8", "cmsis-dap-v2:rp2040", "stlink-v2:stm32f411ce",
			"stlink-v2-old:stm32f103c8", "stlink-v3:nrf52840+approtect", "cmsis-dap-v2:stm32f103c8+empty"}
		fx, err := New(specs[int(in[0])%len(specs)], Options{})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		l, err := fx.Bus.Open(ctx, fx.Slots[0].Probe.Port(), fx.Slots[0].Probe.fw.Interface())
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		buf := make([]byte, 1024)
		for rest := in[1:]; len(rest) > 0; {
			n := min(int(rest[0]), len(rest)-1)
			pkt := rest[1 : 1+n]
			rest = rest[1+n:]
			if len(pkt) == 0 {
				continue
			}
			if _, err := l.Write(ctx, pkt); err != nil {
				return
			}
			// Drain whatever the probe answers; a timeout is fine.
			for range 4 {
				if _, err := l.Read(ctx, buf); err != nil {
					break
				}
			}
		}
	})
}
