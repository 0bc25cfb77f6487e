package w25q

// Frame is one /CS-framed command as a quad-capable host controller
// (STM32 QUADSPI) issues it: phases with their line counts. Lines 0 means
// the phase is absent.
type Frame struct {
	Instruction byte
	InstrLines  int
	Address     uint32
	AddrLines   int
	AddrBytes   int // 1 to 4; the W25Q..JV takes 3
	// Alt is the alternate bytes phase (the M7-0 mode bits of BBh/EBh).
	Alt      []byte
	AltLines int
	Dummy    int // dummy clocks
	// DataLines carries Write (host to flash) or fills Read (flash to
	// host); a command without data has neither.
	DataLines int
}

// shape is what the flash expects of a command with a dual or quad phase
// (§8.2.8–8.2.12, §8.2.14): address lines, clocks between the address and
// the data (mode bits included), data lines, and whether QE must be set.
type shape struct {
	addr, wait, data int
	quad             bool
}

var shapes = map[byte]shape{
	CmdFastReadDual: {1, 8, 2, false},
	CmdFastReadQuad: {1, 8, 4, true},
	CmdFastReadDIO:  {2, 4, 2, false}, // M7-0 over two lines: 4 clocks, no dummy
	CmdFastReadQIO:  {4, 6, 4, true},  // M7-0 over four lines (2 clocks) + 4 dummy
	CmdQuadPageProg: {1, 0, 4, true},
}

// Exec runs one framed command: write holds the data phase going out,
// read is filled with what the flash drives. What a host gets wrong reads
// as the chip would answer it: an instruction or address on the wrong
// number of lines is a different bit stream the chip does not decode, so
// the command is ignored and the lines float high (0xFF); a quad command
// while QE is 0 is not accepted (IO2/IO3 are /WP and /HOLD); a read whose
// dummy clocks differ from the command's shifts the data by the missing
// or extra clocks, bit for bit on the data lines.
func (f *Flash) Exec(fr Frame, write, read []byte) {
	for i := range read {
		read[i] = 0xFF
	}
	sh, wide := shapes[fr.Instruction]
	switch {
	case fr.InstrLines != 1:
		return // QPI (4-4-4) is not a W25Q..JV mode
	case !wide:
		f.execSingle(fr, write, read)
		return
	case fr.AddrLines != sh.addr || fr.AddrBytes != 3 || fr.DataLines != sh.data:
		return
	case sh.quad && !f.QuadEnabled():
		return
	}
	f.Select()
	f.Transfer(fr.Instruction)
	if f.ignored {
		f.Deselect()
		return
	}
	if fr.Instruction == CmdQuadPageProg {
		for i := 2; i >= 0; i-- {
			f.Transfer(byte(fr.Address >> (8 * i)))
		}
		for _, b := range write {
			f.Transfer(b)
		}
		f.Deselect()
		return
	}
	f.Deselect()
	// A read: the clocks the host waits are the alternate bytes' plus the
	// dummy ones; the flash drives data after sh.wait clocks.
	given := fr.Dummy
	if fr.AltLines > 0 {
		given += len(fr.Alt) * 8 / fr.AltLines
	}
	bits := (given - sh.wait) * sh.data // >0: the host misses bits; <0: it samples before the data
	n := len(read) + (abs(bits)+7)/8 + 1
	stream := make([]byte, n)
	f.ReadArray(fr.Address%f.part.Size, stream)
	shiftBits(read, stream, bits)
}

// execSingle runs a command whose phases are all on one line through the
// byte-level SPI model: opcode, address bytes, dummy clocks as bytes,
// then the data.
func (f *Flash) execSingle(fr Frame, write, read []byte) {
	if (fr.AddrLines != 0 && fr.AddrLines != 1) || (fr.DataLines != 0 && fr.DataLines != 1) || (fr.AltLines != 0 && fr.AltLines != 1) {
		return
	}
	f.Select()
	f.Transfer(fr.Instruction)
	if fr.AddrLines == 1 {
		for i := fr.AddrBytes - 1; i >= 0; i-- {
			f.Transfer(byte(fr.Address >> (8 * i)))
		}
	}
	for _, b := range fr.Alt {
		f.Transfer(b)
	}
	for range fr.Dummy / 8 {
		f.Transfer(0xFF)
	}
	for _, b := range write {
		f.Transfer(b)
	}
	for i := range read {
		read[i] = f.Transfer(0xFF)
	}
	f.Deselect()
}

// shiftBits fills dst from src shifted by bits: positive drops the first
// bits of src, negative puts that many 1 bits (undriven lines) first.
func shiftBits(dst, src []byte, bits int) {
	bit := func(i int) byte {
		if i < 0 || i/8 >= len(src) {
			return 1
		}
		return src[i/8] >> (7 - i%8) & 1
	}
	for i := range dst {
		var v byte
		for j := 0; j < 8; j++ {
			v = v<<1 | bit(i*8+j+bits)
		}
		dst[i] = v
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
