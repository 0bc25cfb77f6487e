package stlink

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// fakeSWD is a scripted SW-DP with one AHB-AP in front of 1 KiB of RAM at
// 0x20000000 and the Cortex-M core-register handshake (DHCSR, DCRSR,
// DCRDR). It follows ADIv5 where the firmware depends on it: AP reads are
// posted (RDBUFF holds the last), a bus error sets STICKYERR and every AP
// access and RDBUFF read then answers FAULT until ABORT clears it. Each
// packet is logged in wire terms: rDP0, wAP4=20000000, ...
type fakeSWD struct {
	dpidr    uint32
	ctrl     uint32
	sel      uint32
	sticky   bool
	csw, tar uint32
	posted   uint32
	ram      [1024]byte
	regs     [32]uint32
	dcrdr    uint32
	aircr    uint32
	idr      uint32
	waits    int  // answer WAIT to this many packets
	absent   bool // nobody drives SWDIO
	noPower  bool // CTRL/STAT never shows the power-up ACKs
	quiet    bool // no log: for measuring the firmware alone
	log      []string
	outs     []string
	hz       uint32
}

var _ hw.SWD = (*fakeSWD)(nil)

func newFake() *fakeSWD { return &fakeSWD{dpidr: 0x1BA01477, idr: 0x24770011} }

func (s *fakeSWD) SetClock(hz uint32)  { s.hz = hz }
func (s *fakeSWD) Configure(int, bool) {}
func (s *fakeSWD) Idle(int)            {}
func (s *fakeSWD) In(n int) []byte     { return make([]byte, (n+7)/8) }
func (s *fakeSWD) Out(n int, data []byte) {
	s.outs = append(s.outs, fmt.Sprintf("%d:%x", n, data))
}

func (s *fakeSWD) Transfer(req uint8, w uint32) (uint8, uint32, bool) {
	if req&0xC1 != 0x81 {
		panic(fmt.Sprintf("bad start/stop/park in %02x", req))
	}
	nib := req >> 1 & 0xF
	if (nib^nib>>1^nib>>2^nib>>3)&1 != req>>5&1 {
		panic(fmt.Sprintf("bad parity in %02x", req))
	}
	if s.absent {
		return 0x7, 0xFFFFFFFF, true
	}
	if s.waits > 0 {
		s.waits--
		s.log = append(s.log, "WAIT")
		return ackWait, 0, true
	}
	ap, rnw, a := nib&1 == 1, nib&2 != 0, (nib>>2)<<2
	kind := "DP"
	if ap {
		kind = "AP"
	}
	if !s.quiet {
		if rnw {
			s.log = append(s.log, fmt.Sprintf("r%s%X", kind, a))
		} else {
			s.log = append(s.log, fmt.Sprintf("w%s%X=%X", kind, a, w))
		}
	}
	if s.sticky && (ap || (rnw && a == dpRDBUFF)) {
		return ackFault, 0, true
	}
	switch {
	case !ap && rnw && a == dpIDR:
		return ackOK, s.dpidr, true
	case !ap && !rnw && a == dpIDR:
		if w&4 != 0 {
			s.sticky = false
		}
	case !ap && rnw && a == dpCtrlStat:
		v := s.ctrl
		if !s.noPower {
			v |= s.ctrl & 0x50000000 << 1
		}
		if s.sticky {
			v |= 1 << 5
		}
		return ackOK, v, true
	case !ap && !rnw && a == dpCtrlStat:
		s.ctrl = w
	case !ap && !rnw && a == dpSelect:
		s.sel = w
	case !ap && rnw && a == dpRDBUFF:
		return ackOK, s.posted, true
	case ap && rnw:
		prev := s.posted
		s.posted = s.apRead(s.sel&0xF0 | uint32(a))
		return ackOK, prev, true
	case ap:
		s.apWrite(s.sel&0xF0|uint32(a), w)
	}
	return ackOK, 0, true
}

func (s *fakeSWD) apRead(reg uint32) uint32 {
	switch reg {
	case apCSW:
		return s.csw
	case apTAR:
		return s.tar
	case 0xFC:
		return s.idr
	case apDRW:
		size := 1 << (s.csw & 7)
		v, ok := s.bus(s.tar, size, 0, false)
		if !ok {
			s.sticky = true
		}
		s.tar += uint32(size)
		return v << (8 * (s.tar - uint32(size)) & 24)
	}
	return 0
}

func (s *fakeSWD) apWrite(reg, w uint32) {
	switch reg {
	case apCSW:
		s.csw = w
	case apTAR:
		s.tar = w
	case apDRW:
		size := 1 << (s.csw & 7)
		if _, ok := s.bus(s.tar, size, w>>(8*(s.tar&3)), true); !ok {
			s.sticky = true
		}
		s.tar += uint32(size)
	}
}

// bus is the target's memory map: RAM, the core-register handshake, AIRCR.
func (s *fakeSWD) bus(addr uint32, size int, v uint32, write bool) (uint32, bool) {
	switch {
	case addr >= 0x20000000 && addr < 0x20000000+uint32(len(s.ram)):
		b := s.ram[addr-0x20000000:]
		if write {
			for i := range size {
				b[i] = byte(v >> (8 * i))
			}
			return 0, true
		}
		var r uint32
		for i := range size {
			r |= uint32(b[i]) << (8 * i)
		}
		return r, true
	case addr == regDHCSR && !write:
		return dhcsrSRegRdy | 1<<17, true
	case addr == regDCRSR && write:
		if v&dcrsrWrite != 0 {
			s.regs[v&31] = s.dcrdr
		} else {
			s.dcrdr = s.regs[v&31]
		}
		return 0, true
	case addr == regDCRDR:
		if write {
			s.dcrdr = v
		}
		return s.dcrdr, true
	case addr == regAIRCR && write:
		s.aircr = v
		return 0, true
	}
	return 0, false
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// send writes one OUT transfer (hex, spaces allowed).
func send(t *testing.T, f *Firmware, p string) {
	t.Helper()
	f.Out(unhex(t, p))
}

// exchange sends a command and returns the reply, or "none".
func exchange(t *testing.T, f *Firmware, cmd string) string {
	t.Helper()
	send(t, f, cmd)
	r, ok := f.In()
	if !ok {
		return "none"
	}
	if extra, more := f.In(); more {
		t.Fatalf("%s: second reply %x", cmd, extra)
	}
	return hex.EncodeToString(r)
}

func want(t *testing.T, cmd, got, w string) {
	t.Helper()
	if w = strings.ReplaceAll(w, " ", ""); got != w {
		t.Errorf("%s\n got %s\nwant %s", cmd, got, w)
	}
}

// block pads a command to the 16-byte block hosts send.
func block(s string) string {
	s = strings.ReplaceAll(s, " ", "")
	return s + strings.Repeat("0", 32-len(s))
}

func newProbe(m Model, swd *fakeSWD) *Firmware {
	cfg := Config{Model: m, Serial: "SIM", Clock: &clock.Clock{}}
	if swd != nil {
		cfg.SWD = swd
	}
	return New(cfg)
}

// attached is a probe in debug mode on the fake target.
func attached(t *testing.T, m Model) (*Firmware, *fakeSWD) {
	t.Helper()
	swd := newFake()
	f := newProbe(m, swd)
	want(t, "enter", exchange(t, f, block("f2 30 a3")), "8000")
	swd.log = nil
	return f, swd
}

func (s *fakeSWD) word(addr uint32) uint32 {
	return binary.LittleEndian.Uint32(s.ram[addr-0x20000000:])
}
