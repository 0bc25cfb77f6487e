package w25q

import (
	"time"

	"github.com/flashstation/flashstation/drivers/sim/fault"
)

// Command opcodes (datasheet §8.1, standard SPI instructions; the dual and
// quad ones are served by Exec, which knows the line widths).
const (
	CmdWriteEnable  = 0x06
	CmdVolatileSRWE = 0x50
	CmdWriteDisable = 0x04
	CmdReadStatus1  = 0x05
	CmdReadStatus2  = 0x35
	CmdReadStatus3  = 0x15
	CmdWriteStatus1 = 0x01 // SR1, optionally SR2 as a second byte
	CmdWriteStatus2 = 0x31
	CmdWriteStatus3 = 0x11
	CmdReadData     = 0x03
	CmdFastRead     = 0x0B
	CmdFastReadDual = 0x3B // 1-1-2
	CmdFastReadQuad = 0x6B // 1-1-4
	CmdFastReadDIO  = 0xBB // 1-2-2
	CmdFastReadQIO  = 0xEB // 1-4-4
	CmdPageProgram  = 0x02
	CmdQuadPageProg = 0x32 // 1-1-4
	CmdSectorErase  = 0x20
	CmdBlock32Erase = 0x52
	CmdBlock64Erase = 0xD8
	CmdChipErase    = 0xC7
	CmdChipErase2   = 0x60
	CmdPowerDown    = 0xB9
	CmdReleasePD    = 0xAB // also returns the device ID after 3 dummy bytes
	CmdManufDevID   = 0x90
	CmdUniqueID     = 0x4B
	CmdJEDECID      = 0x9F
	CmdReadSFDP     = 0x5A
	CmdEnableReset  = 0x66
	CmdReset        = 0x99
)

// Select drives /CS low: the next byte is an opcode.
func (f *Flash) Select() {
	f.settle()
	f.selected, f.ignored, f.n, f.addr, f.pageUsed = true, false, 0, 0, false
}

// Transfer clocks one byte each way: b goes in on DI, the result is what
// the chip drives on DO (0xFF when it drives nothing).
func (f *Flash) Transfer(b byte) byte {
	if !f.selected {
		return 0xFF
	}
	n := f.n
	f.n++
	if n == 0 {
		f.cmd = b
		// While BUSY only the status reads are accepted (§7.1.1); in
		// power-down only Release (§8.2.19).
		f.ignored = f.Busy() && b != CmdReadStatus1 && b != CmdReadStatus2 && b != CmdReadStatus3
		if f.asleep {
			f.ignored = b != CmdReleasePD
		}
		if f.cmd == CmdPageProgram || f.cmd == CmdQuadPageProg {
			for i := range f.page {
				f.page[i] = 0xFF
			}
		}
		return 0xFF
	}
	if f.ignored {
		return 0xFF
	}
	size := f.part.Size
	switch f.cmd {
	case CmdReadStatus1:
		return f.Status()
	case CmdReadStatus2:
		return f.sr2
	case CmdReadStatus3:
		return f.sr3
	case CmdWriteStatus1, CmdWriteStatus2, CmdWriteStatus3:
		if n <= 2 {
			f.page[n-1] = b // staged until /CS rises
		}
	case CmdJEDECID:
		switch n {
		case 1:
			return ManufacturerID
		case 2:
			return MemoryType
		case 3:
			return f.part.Capacity
		}
	case CmdUniqueID:
		if n >= 5 && n < 13 {
			return f.uid[n-5]
		}
	case CmdReleasePD:
		if n >= 4 {
			return f.part.DeviceID // §8.2.20: the ID repeats while clocked
		}
	case CmdManufDevID:
		if n <= 3 {
			f.addr = f.addr<<8 | uint32(b)
			return 0xFF
		}
		// A0 = 0 gives manufacturer first, A0 = 1 device first.
		if (uint32(n-4)+f.addr)&1 == 0 {
			return ManufacturerID
		}
		return f.part.DeviceID
	case CmdReadSFDP:
		if n <= 3 {
			f.addr = f.addr<<8 | uint32(b)
			return 0xFF
		}
		if n == 4 {
			return 0xFF // 8 dummy clocks
		}
		v := f.sfdp[f.addr&0xFF]
		f.addr++
		return v
	case CmdReadData, CmdFastRead:
		if n <= 3 {
			f.addr = (f.addr<<8 | uint32(b)) % size
			return 0xFF
		}
		if f.cmd == CmdFastRead && n == 4 {
			return 0xFF // dummy byte
		}
		v := f.mem[f.addr]
		f.addr = (f.addr + 1) % size
		return v
	case CmdPageProgram, CmdQuadPageProg:
		if n <= 3 {
			f.addr = (f.addr<<8 | uint32(b)) % size
			return 0xFF
		}
		// The column wraps inside the 256-byte page (§8.2.13).
		f.page[(f.addr+uint32(n-4))%PageSize] = b
		f.pageUsed = true
	case CmdSectorErase, CmdBlock32Erase, CmdBlock64Erase:
		if n <= 3 {
			f.addr = (f.addr<<8 | uint32(b)) % size
		}
	}
	return 0xFF
}

// Deselect drives /CS high, which starts a write-enable, program or erase
// that was shifted in completely.
func (f *Flash) Deselect() {
	if !f.selected {
		return
	}
	f.selected = false
	if f.ignored || f.n == 0 {
		return
	}
	armed := f.resetArmed
	f.resetArmed = false
	volatile := f.volatileWE
	if f.cmd != CmdWriteStatus1 && f.cmd != CmdWriteStatus2 && f.cmd != CmdWriteStatus3 {
		f.volatileWE = f.volatileWE && f.cmd == CmdVolatileSRWE
	}
	switch f.cmd {
	case CmdWriteEnable:
		if f.n == 1 {
			f.wel = true
		}
	case CmdVolatileSRWE:
		if f.n == 1 {
			f.volatileWE = true
		}
	case CmdWriteDisable:
		if f.n == 1 {
			f.wel = false
		}
	case CmdWriteStatus1, CmdWriteStatus2, CmdWriteStatus3:
		f.writeStatus(volatile)
	case CmdPowerDown:
		if f.n == 1 {
			f.asleep = true
			f.clk.Advance(TimePowerDown)
		}
	case CmdReleasePD:
		if f.asleep {
			f.asleep = false
			f.clk.Advance(TimeRelease)
		}
	case CmdEnableReset:
		f.resetArmed = f.n == 1
	case CmdReset:
		if armed && f.n == 1 && !f.Busy() {
			// §8.2.43: volatile state back to power-up values (WEL, the
			// volatile status bits, suspend); the array is untouched.
			f.wel, f.welPending, f.volatileWE = false, false, false
		}
	case CmdPageProgram, CmdQuadPageProg:
		if f.n >= 5 && f.pageUsed && f.wel {
			f.program()
		}
	case CmdSectorErase:
		if f.n == 4 && f.wel {
			f.erase(f.addr&^(SectorSize-1), SectorSize, f.part.SectorErase)
		}
	case CmdBlock32Erase:
		if f.n == 4 && f.wel {
			f.erase(f.addr&^(Block32Size-1), Block32Size, f.part.Block32Erase)
		}
	case CmdBlock64Erase:
		if f.n == 4 && f.wel {
			f.erase(f.addr&^(Block64Size-1), Block64Size, f.part.Block64Erase)
		}
	case CmdChipErase, CmdChipErase2:
		if f.n == 1 && f.wel {
			f.erase(0, f.part.Size, f.part.ChipErase)
		}
	}
}

// writeStatus applies 01h (SR1 and, with a second byte, SR2), 31h or 11h
// once /CS rises after whole data bytes. A non-volatile write needs WEL
// and is busy for tW; after 50h it is volatile, immediate and needs no
// WEL. SRL locks the registers until power-down (§7.1.8). BUSY, WEL and
// SUS are read-only bits.
func (f *Flash) writeStatus(volatile bool) {
	f.volatileWE = false
	data := f.n - 1
	if data < 1 || data > 2 || (f.cmd != CmdWriteStatus1 && data != 1) || f.sr2&Status2SRL != 0 {
		return
	}
	if !volatile && !f.wel {
		return
	}
	switch f.cmd {
	case CmdWriteStatus1:
		f.sr1 = f.page[0] &^ (StatusBusy | StatusWEL)
		if data == 2 {
			f.sr2 = f.sr2&Status2SUS | f.page[1]&^Status2SUS
		}
	case CmdWriteStatus2:
		f.sr2 = f.sr2&Status2SUS | f.page[0]&^Status2SUS
	case CmdWriteStatus3:
		f.sr3 = f.page[0] & (Status3WPS | Status3DRV)
	}
	if !volatile {
		f.start(f.part.WriteStatus)
	}
}

// settle clears WEL once the operation that used it has finished: the
// datasheet clears WEL "upon completion" of program and erase.
func (f *Flash) settle() {
	if f.busyUntil != 0 && !f.Busy() && f.welPending {
		f.wel = false
		f.welPending = false
	}
}

func (f *Flash) start(d time.Duration) {
	f.busyUntil = f.clk.Now() + d
	f.welPending = true
}

func (f *Flash) program() {
	base := f.addr &^ (PageSize - 1)
	if f.protected(base, PageSize) {
		f.wel = false // §7.1.3: the instruction is not executed
		return
	}
	f.start(f.part.PageProgram)
	if f.faults.Fire(fault.ProgramFail) {
		return
	}
	for i, v := range f.page {
		a := base + uint32(i)
		if v != 0xFF && f.faults != nil && f.faults.IsBadCell(f.cellBase+a) {
			continue // the cell does not take the charge: reads erased
		}
		f.mem[a] &= v
	}
}

func (f *Flash) erase(base, size uint32, d time.Duration) {
	if f.protected(base, size) {
		f.wel = false
		return
	}
	f.start(d)
	if f.faults.Fire(fault.EraseFail) {
		return
	}
	for i := base; i < base+size; i++ {
		f.mem[i] = 0xFF
	}
}

// protected reports whether [base, base+size) touches the array part the
// block-protect bits guard (§7.1.3–7.1.6, the CMP=0 and CMP=1 tables): BP
// = 0 nothing; with SEC=0 the top (TB=0) or bottom (TB=1) 1/64 of the
// array doubled per BP step, BP=7 all of it; with SEC=1, 4 KiB doubled
// per step up to 32 KiB. CMP complements the area.
func (f *Flash) protected(base, size uint32) bool {
	bp := uint32(f.sr1&StatusBP) >> 2
	var lo, hi uint32 // the guarded span
	switch {
	case bp == 0:
	case f.sr1&StatusSEC == 0 && bp == 7:
		lo, hi = 0, f.part.Size
	case f.sr1&StatusSEC == 0:
		n := f.part.Size / 64 << (bp - 1)
		lo, hi = f.part.Size-n, f.part.Size
		if f.sr1&StatusTB != 0 {
			lo, hi = 0, n
		}
	default:
		n := uint32(4<<10) << min(bp-1, 3)
		lo, hi = f.part.Size-n, f.part.Size
		if f.sr1&StatusTB != 0 {
			lo, hi = 0, n
		}
	}
	touches := func(lo, hi uint32) bool { return lo < hi && base < hi && lo < base+size }
	if f.sr2&Status2CMP != 0 {
		return touches(0, lo) || touches(hi, f.part.Size)
	}
	return touches(lo, hi)
}
