package rp2040

import "encoding/binary"

// ROMSize is the bootrom's size in bytes.
const ROMSize = 16 << 10

// fn names a bootrom entry point the model recognises by address.
type fn uint8

const (
	fnNone fn = iota
	fnStart
	fnDead
	fnNMI
	fnLookup
	fnPopcount
	fnReverse
	fnCLZ
	fnCTZ
	fnMemset
	fnMemset4
	fnMemcpy
	fnMemcpy44
	fnUSBBoot
	fnTrampoline
	fnTrampolineEnd
	fnWaitVector
	fnConnectFlash
	fnExitXIP
	fnRangeErase
	fnRangeProgram
	fnFlushCache
	fnEnterCmdXIP
	fnEnableClocks
	numFns
)

// Table codes: two ASCII characters, c1 | c2<<8 (datasheet §2.8.3).
func code(s string) uint16 { return uint16(s[0]) | uint16(s[1])<<8 }

// funcTable is the order of the ROM function table; the codes and the set
// of functions follow the datasheet's list for bootrom version 1–3.
var funcTable = []struct {
	code string
	f    fn
}{
	{"P3", fnPopcount}, {"R3", fnReverse}, {"L3", fnCLZ}, {"T3", fnCTZ},
	{"MS", fnMemset}, {"S4", fnMemset4}, {"MC", fnMemcpy}, {"C4", fnMemcpy44},
	{"UB", fnUSBBoot}, {"DT", fnTrampoline}, {"DE", fnTrampolineEnd},
	{"WV", fnWaitVector}, {"IF", fnConnectFlash}, {"EX", fnExitXIP},
	{"RE", fnRangeErase}, {"RP", fnRangeProgram}, {"FC", fnFlushCache},
	{"CX", fnEnterCmdXIP}, {"EC", fnEnableClocks},
}

// ROM layout chosen for the model; only the header offsets are fixed by
// the datasheet.
const (
	stubBase      = 0x40 // 16 bytes per entry point
	funcTableAddr = 0x200
	dataTableAddr = 0x300
	gitRevAddr    = 0x340
	copyrightAddr = 0x344
	// Vector table: the bootrom's own stack top is the end of SRAM.
	romStackTop = 0x20042000
	gitRev      = 0x00000000 // no real build: a fixed revision word
	copyright   = "(C) simulated RP2040 bootrom model"
)

// entry is the address of fn's stub (Thumb bit clear).
func entry(f fn) uint32 { return stubBase + 16*uint32(f) }

// buildROM lays out the bootrom image: vectors, header, stubs, tables.
func buildROM(romVersion byte) ([]byte, [ROMSize / 2]fn) {
	rom := make([]byte, ROMSize)
	var at [ROMSize / 2]fn // fn by halfword index, for entry recognition
	le := binary.LittleEndian
	le.PutUint32(rom[0:], romStackTop)
	le.PutUint32(rom[4:], entry(fnStart)|1)
	le.PutUint32(rom[8:], entry(fnNMI)|1)
	le.PutUint32(rom[12:], entry(fnDead)|1)
	rom[0x10], rom[0x11], rom[0x12], rom[0x13] = 'M', 'u', 1, romVersion
	le.PutUint16(rom[0x14:], funcTableAddr)
	le.PutUint16(rom[0x16:], dataTableAddr)
	le.PutUint16(rom[0x18:], uint16(entry(fnLookup)|1))

	for f := fnStart; f < numFns; f++ {
		if f == fnTrampolineEnd {
			continue // lives right after DT, below
		}
		a := entry(f)
		at[a/2] = f
		// A returning stub, "bx lr; nop": the model acts before it runs.
		le.PutUint16(rom[a:], 0x4770)
		le.PutUint16(rom[a+2:], 0x46C0)
	}
	// Entries whose bytes a debugger relies on are real Thumb code.
	s := entry(fnStart)
	le.PutUint16(rom[s:], 0xE7FE) // b . (the model boots instead)
	d := entry(fnDead)
	le.PutUint16(rom[d:], 0xBF30)   // wfi
	le.PutUint16(rom[d+2:], 0xE7FD) // b _dead
	// The trampoline falls into its end: DT = movs r6,#1; orrs r7,r6;
	// blx r7, then DE = bkpt #0; b DT. So DE must follow DT directly.
	t := entry(fnTrampoline)
	le.PutUint16(rom[t:], 0x2601)
	le.PutUint16(rom[t+2:], 0x4337)
	le.PutUint16(rom[t+4:], 0x47B8)
	te := t + 6
	at[te/2] = fnTrampolineEnd
	le.PutUint16(rom[te:], 0xBE00)
	le.PutUint16(rom[te+2:], branch(te+2, t))

	p := uint32(funcTableAddr)
	for _, e := range funcTable {
		a := entry(e.f) | 1
		if e.f == fnTrampolineEnd {
			a = trampolineEnd() | 1
		}
		le.PutUint16(rom[p:], code(e.code))
		le.PutUint16(rom[p+2:], uint16(a))
		p += 4
	}
	le.PutUint16(rom[p:], 0)

	p = dataTableAddr
	for _, e := range []struct {
		code string
		a    uint32
	}{{"GR", gitRevAddr}, {"CR", copyrightAddr}} {
		le.PutUint16(rom[p:], code(e.code))
		le.PutUint16(rom[p+2:], uint16(e.a))
		p += 4
	}
	le.PutUint16(rom[p:], 0)
	le.PutUint32(rom[gitRevAddr:], gitRev)
	copy(rom[copyrightAddr:], copyright)
	return rom, at
}

// branch encodes a Thumb "b target" at pc (T2 encoding, ±2 KiB).
func branch(pc, target uint32) uint16 {
	off := (int32(target) - int32(pc+4)) / 2
	return 0xE000 | uint16(off)&0x7FF
}

// trampolineEnd is DE's address: two halfwords past DT's three.
func trampolineEnd() uint32 { return entry(fnTrampoline) + 6 }
