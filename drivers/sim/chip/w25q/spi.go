package w25q

import (
	"time"

	"github.com/flashstation/flashstation/drivers/sim/fault"
)

// Command opcodes (datasheet §8.1, standard SPI instructions).
const (
	CmdWriteEnable  = 0x06
	CmdWriteDisable = 0x04
	CmdReadStatus1  = 0x05
	CmdReadData     = 0x03
	CmdFastRead     = 0x0B
	CmdPageProgram  = 0x02
	CmdSectorErase  = 0x20
	CmdBlock32Erase = 0x52
	CmdBlock64Erase = 0xD8
	CmdChipErase    = 0xC7
	CmdChipErase2   = 0x60
	CmdManufDevID   = 0x90
	CmdUniqueID     = 0x4B
	CmdJEDECID      = 0x9F
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
		// While BUSY only Read Status is accepted (§7.1.1).
		f.ignored = f.Busy() && b != CmdReadStatus1
		if f.cmd == CmdPageProgram {
			for i := range f.page {
				f.page[i] = 0xFF
			}
		}
		return 0xFF
	}
	if f.ignored {
		return 0xFF
	}
	switch f.cmd {
	case CmdReadStatus1:
		return f.Status()
	case CmdJEDECID:
		switch n {
		case 1:
			return ManufacturerID
		case 2:
			return MemoryType
		case 3:
			return Capacity
		}
	case CmdUniqueID:
		if n >= 5 && n < 13 {
			return f.uid[n-5]
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
		return DeviceID
	case CmdReadData, CmdFastRead:
		if n <= 3 {
			f.addr = (f.addr<<8 | uint32(b)) % Size
			return 0xFF
		}
		if f.cmd == CmdFastRead && n == 4 {
			return 0xFF // dummy byte
		}
		v := f.mem[f.addr]
		f.addr = (f.addr + 1) % Size
		return v
	case CmdPageProgram:
		if n <= 3 {
			f.addr = (f.addr<<8 | uint32(b)) % Size
			return 0xFF
		}
		// The column wraps inside the 256-byte page (§8.2.13).
		f.page[(f.addr+uint32(n-4))%PageSize] = b
		f.pageUsed = true
	case CmdSectorErase, CmdBlock32Erase, CmdBlock64Erase:
		if n <= 3 {
			f.addr = (f.addr<<8 | uint32(b)) % Size
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
	switch f.cmd {
	case CmdWriteEnable:
		if f.n == 1 {
			f.wel = true
		}
	case CmdWriteDisable:
		if f.n == 1 {
			f.wel = false
		}
	case CmdPageProgram:
		if f.n >= 5 && f.pageUsed && f.wel {
			f.program()
		}
	case CmdSectorErase:
		if f.n == 4 && f.wel {
			f.erase(f.addr&^(SectorSize-1), SectorSize, TimeSectorErase)
		}
	case CmdBlock32Erase:
		if f.n == 4 && f.wel {
			f.erase(f.addr&^(Block32Size-1), Block32Size, TimeBlock32)
		}
	case CmdBlock64Erase:
		if f.n == 4 && f.wel {
			f.erase(f.addr&^(Block64Size-1), Block64Size, TimeBlock64)
		}
	case CmdChipErase, CmdChipErase2:
		if f.n == 1 && f.wel {
			f.erase(0, Size, TimeChipErase)
		}
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
	f.start(TimePageProgram)
	if f.faults.Fire(fault.ProgramFail) {
		return
	}
	base := f.addr &^ (PageSize - 1)
	for i, v := range f.page {
		a := base + uint32(i)
		if v != 0xFF && f.faults != nil && f.faults.IsBadCell(f.cellBase+a) {
			continue // the cell does not take the charge: reads erased
		}
		f.mem[a] &= v
	}
}

func (f *Flash) erase(base, size uint32, d time.Duration) {
	f.start(d)
	if f.faults.Fire(fault.EraseFail) {
		return
	}
	for i := base; i < base+size; i++ {
		f.mem[i] = 0xFF
	}
}
