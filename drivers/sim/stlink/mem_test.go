package stlink

import "testing"

func TestWrite32ThenLastRWStatus2(t *testing.T) {
	f, swd := attached(t, V2)
	// WRITEMEM_32BIT addr 20000000 len 8 ap 0: no reply; the data follows,
	// here split over two OUT transfers.
	want(t, "write", exchange(t, f, block("f2 08 00000020 0800 00")), "none")
	want(t, "data 1/2", exchange(t, f, "11223344 55"), "none")
	want(t, "data 2/2", exchange(t, f, "667788"), "none")
	want(t, "status2", exchange(t, f, block("f2 3e")), "80000000 00000000 00000000")
	want(t, "status", exchange(t, f, block("f2 3b")), "8000")
	if swd.word(0x20000000) != 0x44332211 || swd.word(0x20000004) != 0x88776655 {
		t.Errorf("RAM %x", swd.ram[:8])
	}
	if w := "wDP8=0 wAP0=A2000012 wAP4=20000000 wAPC=44332211 wAPC=88776655 rDPC"; join(swd.log) != w {
		t.Errorf("wire %s\nwant %s", join(swd.log), w)
	}
	// The same again: SELECT and CSW are unchanged, only TAR is written.
	swd.log = nil
	send(t, f, block("f2 08 00000020 0400 00"))
	send(t, f, "01020304")
	if w := "wAP4=20000000 wAPC=4030201 rDPC"; join(swd.log) != w {
		t.Errorf("cached wire %s\nwant %s", join(swd.log), w)
	}
}

func TestReads(t *testing.T) {
	f, swd := attached(t, V2)
	copy(swd.ram[:], []byte{0xA0, 0xA1, 0xA2, 0xA3, 0xB0, 0xB1, 0xB2, 0xB3})
	for _, tc := range []struct{ name, cmd, reply string }{
		{"32-bit, 8 bytes", "f2 07 00000020 0800 00", "a0a1a2a3 b0b1b2b3"},
		// A 1-byte 8-bit read answers 2 bytes.
		{"8-bit, 1 byte", "f2 0c 01000020 0100 00", "a1 00"},
		{"8-bit, 3 bytes", "f2 0c 01000020 0300 00", "a1a2a3"},
		{"16-bit, 4 bytes", "f2 47 02000020 0400 00", "a2a3 b0b1"},
	} {
		want(t, tc.name, exchange(t, f, block(tc.cmd)), tc.reply)
		want(t, tc.name+" status", exchange(t, f, block("f2 3b")), "8000")
	}
	swd.log = nil
	exchange(t, f, block("f2 07 00000020 0c00 00"))
	// Posted reads: three DRW reads, the last value from RDBUFF.
	if w := "wAP0=A2000012 wAP4=20000000 rAPC rAPC rAPC rDPC"; join(swd.log) != w {
		t.Errorf("wire %s\nwant %s", join(swd.log), w)
	}
}

func TestWrite8And16(t *testing.T) {
	f, swd := attached(t, V21)
	send(t, f, block("f2 0d 03000020 0300 00"))
	send(t, f, "c3c4c5")
	send(t, f, block("f2 48 0a000020 0200 00"))
	send(t, f, "d2d3")
	want(t, "status", exchange(t, f, block("f2 3e")), "80000000 00000000 00000000")
	if got := swd.ram[3:12]; string(got) != "\xc3\xc4\xc5\x00\x00\x00\x00\xd2\xd3" {
		t.Errorf("RAM %x", got)
	}
}

func TestRefusedTransfers(t *testing.T) {
	for _, tc := range []struct {
		name  string
		m     Model
		cmd   string
		data  string // write data phase, swallowed
		reply string // "none": no data phase
		rw    string // GETLASTRWSTATUS
	}{
		{"8-bit read of 65 on V2", V2, "f2 0c 00000020 4100 00", "", "none", "0800"},
		{"8-bit write of 65 on V2", V2, "f2 0d 00000020 4100 00", "00" + hexN(64), "none", "0800"},
		{"32-bit read of 6148", V3, "f2 07 00000020 0418 00", "", "none", "0800"},
		{"32-bit read, odd address", V2, "f2 07 02000020 0400 00", "", "none", "0a00"},
		{"16-bit write, odd length", V2, "f2 48 00000020 0300 00", "010203", "none", "0a00"},
		{"AP 1 not opened (J37)", V2, "f2 07 00000020 0400 01", "", "none", "1d00"},
	} {
		f, swd := attached(t, tc.m)
		want(t, tc.name, exchange(t, f, block(tc.cmd)), tc.reply)
		if tc.data != "" {
			want(t, tc.name+" data", exchange(t, f, tc.data), "none")
		}
		want(t, tc.name+" status", exchange(t, f, block("f2 3b")), tc.rw)
		if len(swd.log) != 0 {
			t.Errorf("%s: touched the wire: %v", tc.name, swd.log)
		}
		if swd.ram[0] != 0 {
			t.Errorf("%s: wrote RAM", tc.name)
		}
	}
	// V3 J7 takes 8-bit transfers up to 512 bytes.
	f, _ := attached(t, V3)
	if got := exchange(t, f, block("f2 0c 00000020 4100 00")); len(got) != 2*65 {
		t.Errorf("V3 8-bit read of 65: %d hex digits", len(got))
	}
}

func TestOldFirmwareRefusals(t *testing.T) {
	old, oldSWD := attached(t, V2Old)
	want(t, "16-bit read on J17", exchange(t, old, block("f2 47 00000020 0200 00")), "4200")
	// J17 does not know 0x48 has data: the data is read as a command
	// block and, not being one, answered with nothing.
	want(t, "16-bit write on J17", exchange(t, old, block("f2 48 00000020 0200 00")), "4200")
	want(t, "its data", exchange(t, old, "abcd"), "none")
	want(t, "DAP read on J17", exchange(t, old, block("f2 45 ffff 0000")), "4200")
	want(t, "DAP write on J17", exchange(t, old, block("f2 46 ffff 0800 00000000")), "4200")
	if len(oldSWD.log) != 0 || oldSWD.ram[0] != 0 {
		t.Errorf("J17 touched the wire: %v", oldSWD.log)
	}
	// Before multi-AP firmware the AP byte is ignored: AP 0 is used.
	oldSWD.ram[0] = 0x5A
	want(t, "ap byte on J17", exchange(t, old, block("f2 0c 00000020 0100 07")), "5a00")
}

func TestDAPRegisters(t *testing.T) {
	f, swd := attached(t, V2)
	want(t, "DPIDR", exchange(t, f, block("f2 45 ffff 0000")), "80000000 7714a01b")
	want(t, "AP0 IDR", exchange(t, f, block("f2 45 0000 fc00")), "80000000 110077 24")
	if w := "rDP0 wDP8=F0 rAPC rDPC"; join(swd.log) != w {
		t.Errorf("wire %s\nwant %s", join(swd.log), w)
	}
	want(t, "write TAR", exchange(t, f, block("f2 46 0000 0400 44332211")), "8000")
	if swd.tar != 0x11223344 {
		t.Errorf("TAR %08x", swd.tar)
	}
	want(t, "AP 2 unopened", exchange(t, f, block("f2 45 0200 fc00")), "1d000000 00000000")
	want(t, "INIT_AP 2", exchange(t, f, block("f2 4b 02")), "8000")
	want(t, "AP 2 opened", exchange(t, f, block("f2 45 0200 fc00")), "80000000 11007724")
	want(t, "CLOSE_AP 2", exchange(t, f, block("f2 4c 02")), "8000")
	want(t, "AP 2 closed", exchange(t, f, block("f2 45 0200 fc00")), "1d000000 00000000")
}

func TestFaultAndWait(t *testing.T) {
	f, swd := attached(t, V2)
	copy(swd.ram[1020:], []byte{1, 2, 3, 4})
	// The second word is past RAM: the data phase still comes, zeros after
	// the fault; status 0x11 and the failing address.
	want(t, "read over the edge", exchange(t, f, block("f2 07 fc030020 0800 00")), "01020304 00000000")
	want(t, "status2", exchange(t, f, block("f2 3e")), "11000000 00040020 00000000")
	if swd.sticky {
		t.Error("firmware left STICKYERR set")
	}
	want(t, "next read works", exchange(t, f, block("f2 07 fc030020 0400 00")), "01020304")
	want(t, "status", exchange(t, f, block("f2 3b")), "8000")

	send(t, f, block("f2 08 00000040 0400 00"))
	send(t, f, "aabbccdd")
	want(t, "write fault", exchange(t, f, block("f2 3e")), "11000000 00000040 00000000")

	swd.waits = waitRetries
	want(t, "WAITs within the retries", exchange(t, f, block("f2 07 fc030020 0400 00")), "01020304")
	swd.waits = waitRetries + 1
	want(t, "WAIT storm", exchange(t, f, block("f2 07 fc030020 0400 00")), "00000000")
	// The storm hits the TAR write, an AP access: SWD_AP_WAIT; the firmware
	// then cancels the stuck transfer with ABORT.DAPABORT.
	want(t, "WAIT status", exchange(t, f, block("f2 3b")), "1000")
	if n := len(swd.log); n == 0 || swd.log[n-1] != "wDP0=1" {
		t.Errorf("wire ends %v, want an ABORT.DAPABORT", swd.log[max(0, n-3):])
	}
}

func TestCoreRegisters(t *testing.T) {
	f, swd := attached(t, V2)
	swd.regs[15] = 0x08000123
	want(t, "read PC", exchange(t, f, block("f2 33 0f")), "80000000 23010008")
	want(t, "write R3", exchange(t, f, block("f2 34 03 efbeadde")), "8000")
	if swd.regs[3] != 0xDEADBEEF {
		t.Errorf("R3 = %08x", swd.regs[3])
	}
	got := exchange(t, f, block("f2 3a"))
	if len(got) != 2*88 || got[:8] != "80000000" || got[8+2*4*3:8+2*4*4] != "efbeadde" || got[8+2*4*15:8+2*4*16] != "23010008" {
		t.Errorf("READALLREGS %s", got)
	}
	want(t, "DHCSR", exchange(t, f, block("f2 36 f0ed00e0")), "80000000 00000300")
	want(t, "write DCRDR", exchange(t, f, block("f2 35 f8ed00e0 78563412")), "8000")
	want(t, "unaligned debug reg", exchange(t, f, block("f2 36 f1ed00e0")), "0a000000 00000000")
	want(t, "RESETSYS", exchange(t, f, block("f2 32")), "8000")
	if swd.aircr != 0x05FA0004 {
		t.Errorf("AIRCR %08x", swd.aircr)
	}
	want(t, "debug reg fault", exchange(t, f, block("f2 36 00000040")), "11000000 00000000")
}

func hexN(n int) string {
	b := make([]byte, 0, 2*n)
	for range n {
		b = append(b, '0', '0')
	}
	return string(b)
}

func TestCSWFromCommand(t *testing.T) {
	for _, tc := range []struct {
		m    Model
		wire string
	}{
		// From V2J32 the command's CSW[31:8] replaces the default.
		{V2, "wDP8=0 wAP0=23000012 wAP4=20000000 rAPC rDPC"},
		// J17 ignores those bytes.
		{V2Old, "wDP8=0 wAP0=A2000012 wAP4=20000000 rAPC rDPC"},
	} {
		f, swd := attached(t, tc.m)
		exchange(t, f, block("f2 07 00000020 0400 00 000023"))
		if join(swd.log) != tc.wire {
			t.Errorf("%s: wire %s\nwant %s", tc.m, join(swd.log), tc.wire)
		}
	}
}

// TestReadAllocations checks that a memory read costs the firmware one
// reply buffer whatever its length: nothing is allocated per word.
func TestReadAllocations(t *testing.T) {
	f, swd := attached(t, V2)
	swd.quiet = true
	cmd := unhex(t, block("f2 07 00000020 0004 00")) // 1024 bytes
	allocs := testing.AllocsPerRun(50, func() {
		f.Out(cmd)
		if _, ok := f.In(); !ok {
			t.Fatal("no reply")
		}
	})
	if allocs > 1 {
		t.Errorf("%.1f allocations per 1 KiB read, want at most 1", allocs)
	}
}
