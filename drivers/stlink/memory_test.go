package stlink

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestWriteMemory32CrossesTARBlock(t *testing.T) {
	// Cortex-M0 target: 1 KiB window, so three words at 0x3FC split 1 + 2.
	p, pb, _ := connected(t, openV2J17+connectV2J17+`
> f2 08 fc 03 00 20 04 00 ..16   # WRITEMEM_32BIT 4 bytes at 0x200003FC
> 11 11 11 11
> f2 3e ..16
< 80 ..12
> f2 08 00 04 00 20 08 00 ..16   # 8 bytes at 0x20000400
> 22 22 22 22 33 33 33 33
> f2 3e ..16
< 80 ..12
`)
	if err := p.WriteMemory32(t.Context(), 0x200003FC, []uint32{0x11111111, 0x22222222, 0x33333333}); err != nil {
		t.Fatal(err)
	}
	done(t, pb)
}

func TestReadMemory32(t *testing.T) {
	p, pb, _ := connected(t, openV2J37+connectV2J37+`
> f2 07 00 00 00 08 08 00 ..16
< 00 50 00 20 01 01 00 08
> f2 3e ..16
< 80 ..12
`)
	got := make([]uint32, 2)
	if err := p.ReadMemory32(t.Context(), 0x08000000, got); err != nil {
		t.Fatal(err)
	}
	if got[0] != 0x20005000 || got[1] != 0x08000101 {
		t.Errorf("read %08x, want 20005000 08000101", got)
	}
	done(t, pb)
}

func TestMemory16(t *testing.T) {
	p, pb, _ := connected(t, openV2J37+connectV2J37+`
> f2 48 00 00 00 08 04 00 ..16   # WRITEMEM_16BIT
> 34 12 78 56
> f2 3e ..16
< 80 ..12
> f2 47 00 00 00 08 02 00 ..16   # READMEM_16BIT
< cd ab
> f2 3e ..16
< 80 ..12
`)
	if err := p.WriteMemory16(t.Context(), 0x08000000, []uint16{0x1234, 0x5678}); err != nil {
		t.Fatal(err)
	}
	got := make([]uint16, 1)
	if err := p.ReadMemory16(t.Context(), 0x08000000, got); err != nil || got[0] != 0xabcd {
		t.Errorf("ReadMemory16 = %04x, %v; want abcd", got, err)
	}
	done(t, pb)
}

func TestMemory16FallsBackTo8OnOldFirmware(t *testing.T) {
	p, pb, _ := connected(t, openV2J17+connectV2J17+`
> f2 0d 00 00 00 20 04 00 ..16   # WRITEMEM_8BIT: J17 has no 16-bit commands
> 34 12 78 56
> f2 3e ..16
< 80 ..12
`)
	if err := p.WriteMemory16(t.Context(), 0x20000000, []uint16{0x1234, 0x5678}); err != nil {
		t.Fatal(err)
	}
	if err := p.WriteMemory16(t.Context(), 0x20000001, []uint16{1}); err == nil || !strings.Contains(err.Error(), "not aligned to the 16-bit access") {
		t.Errorf("unaligned 16-bit write on old firmware: %v", err)
	}
	done(t, pb)
}

func TestReadMemory8(t *testing.T) {
	p, pb, _ := connected(t, openV2J37+connectV2J37+`
> f2 0c 03 00 00 20 01 00 ..16   # one byte: the probe sends two
< 5a 00
> f2 3e ..16
< 80 ..12
> f2 0c 00 00 00 20 40 00 ..16   # 64 bytes, then the rest
< ..64
> f2 3e ..16
< 80 ..12
> f2 0c 40 00 00 20 06 00 ..16
< 01 02 03 04 05 06
> f2 3e ..16
< 80 ..12
`)
	one := make([]byte, 1)
	if err := p.ReadMemory8(t.Context(), 0x20000003, one); err != nil || one[0] != 0x5a {
		t.Fatalf("ReadMemory8 one = %x, %v", one, err)
	}
	buf := make([]byte, 70)
	if err := p.ReadMemory8(t.Context(), 0x20000000, buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf[64:], []byte{1, 2, 3, 4, 5, 6}) {
		t.Errorf("tail = %x", buf[64:])
	}
	done(t, pb)
}

func TestOldRWStatus(t *testing.T) {
	// V2J14: no GETLASTRWSTATUS2, no target-voltage-free gates that matter here.
	p, pb, _ := connected(t, `
> f1 ..16
< 23 84 83 04 48 37        # V2 J14 S4
> f5 ..16
< 01 00
> f2 30 a3 ..16
< 80 00
> f2 31 ..16
< 80 00 00 00 77 14 a0 1b 00 00 00 00
> f2 07 00 ed 00 e0 04 00 ..16
< 31 c2 1f 41
> f2 3b ..16               # GETLASTRWSTATUS
< 80 00
> f2 08 00 00 00 20 04 00 ..16
> 01 00 00 00
> f2 3b ..16
< 81 00
`)
	err := p.WriteMemory32(t.Context(), 0x20000000, []uint32{1})
	if err == nil || !strings.Contains(err.Error(), "stlink: writing 4 bytes at 0x20000000: target answered FAULT (FAULT 0x81)") {
		t.Errorf("err = %v", err)
	}
	done(t, pb)
}

func TestMemoryFaultNamesAddress(t *testing.T) {
	p, pb, _ := connected(t, openV2J37+connectV2J37+`
> f2 07 00 00 00 08 04 00 ..16
< 00 00 00 00
> f2 3e ..16
< 11 00 00 00 00 00 00 08 00 00 00 00
`)
	err := p.ReadMemory32(t.Context(), 0x08000000, make([]uint32, 1))
	want := "stlink: reading 4 bytes at 0x08000000: target answered FAULT (SWD_AP_FAULT 0x11): unmapped address, or memory locked by readout protection"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
	var se *StatusError
	if !errors.As(err, &se) || se.Status != StatusAPFault || !errors.Is(err, ErrFault) {
		t.Errorf("err = %#v, want a *StatusError matching ErrFault", err)
	}
	done(t, pb)
}

func TestMemoryReadWaitRetried(t *testing.T) {
	p, pb, s := connected(t, openV2J37+connectV2J37+`
> f2 07 00 00 00 20 04 00 ..16
< 00 00 00 00
> f2 3e ..16
< 10 ..12                  # SWD_AP_WAIT: a read is repeated whole
> f2 07 00 00 00 20 04 00 ..16
< 00 00 00 00
> f2 3e ..16
< 14 ..12                  # SWD_DP_WAIT
> f2 07 00 00 00 20 04 00 ..16
< 01 00 00 00
> f2 3e ..16
< 80 ..12
`)
	var got [1]uint32
	if err := p.ReadMemory32(t.Context(), 0x20000000, got[:]); err != nil || got[0] != 1 {
		t.Fatalf("read 0x%x, %v", got[0], err)
	}
	if want := []time.Duration{time.Millisecond, 2 * time.Millisecond}; len(*s) != 2 || (*s)[0] != want[0] || (*s)[1] != want[1] {
		t.Errorf("back-off %v, want %v", *s, want)
	}
	done(t, pb)
}

// TestMemoryWriteWaitNotRepeated: part of a write answered WAIT may have
// landed, so the driver reports it instead of sending the data again.
func TestMemoryWriteWaitNotRepeated(t *testing.T) {
	for _, status := range []string{"10", "14"} {
		t.Run(status, func(t *testing.T) {
			p, pb, s := connected(t, openV2J37+connectV2J37+`
> f2 08 00 00 00 20 04 00 ..16
> 01 00 00 00
> f2 3e ..16
< `+status+` ..12
`)
			err := p.WriteMemory32(t.Context(), 0x20000000, []uint32{1})
			if !errors.Is(err, ErrWait) {
				t.Fatalf("err = %v, want ErrWait", err)
			}
			if len(*s) != 0 {
				t.Errorf("slept %v before giving up, want no retry", *s)
			}
			done(t, pb)
		})
	}
}

func TestWaitGivesUp(t *testing.T) {
	script := openV2J37 + connectV2J37
	for range maxWaitRetries + 1 {
		script += "> f2 36 f0 ed 00 e0 ..16\n< 10 00 00 00 00 00 00 00\n"
	}
	p, pb, s := connected(t, script)
	_, err := p.IsHalted(t.Context())
	if !errors.Is(err, ErrWait) || !strings.Contains(err.Error(), "stlink: reading 0xe000edf0: target stays busy (WAIT) (SWD_AP_WAIT 0x10)") {
		t.Errorf("err = %v, want ErrWait", err)
	}
	if len(*s) != maxWaitRetries || (*s)[maxWaitRetries-1] != 128*time.Millisecond {
		t.Errorf("back-off %v, want 8 sleeps ending at 128ms", *s)
	}
	done(t, pb)
}
