package nrf52

import (
	"encoding/binary"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// APPROTECT peripheral registers (PS §5.1, revision 3).
const (
	approtectForce   = 0x40000550
	approtectDisable = 0x40000558
	approtectKey     = 0x5A
)

// sysBus is the AHB as the AHB-AP (or the core) sees it.
type sysBus struct{ c *Chip }

var _ hw.Bus = (*sysBus)(nil)

func le(b []byte, size int) uint32 {
	switch size {
	case 1:
		return uint32(b[0])
	case 2:
		return uint32(binary.LittleEndian.Uint16(b))
	}
	return binary.LittleEndian.Uint32(b)
}

func (b *sysBus) Read(addr uint32, size int) (uint32, time.Duration, error) {
	c := b.c
	if !c.powered {
		return 0, 0, hw.ErrBusFault
	}
	switch {
	case addr < FlashSize:
		return le(c.flash[addr:], size), c.stall(), nil
	case addr-FICRBase < uint32(len(c.ficr)):
		return le(c.ficr[addr-FICRBase:], size), c.stall(), nil
	case addr-UICRBase < uicrSize:
		return le(c.uicr[addr-UICRBase:], size), c.stall(), nil
	case addr-RAMBase < RAMSize:
		return le(c.ram[addr-RAMBase:], size), 0, nil
	case addr&^0xFFF == NVMCBase:
		w := c.nvmcRead(addr & 0xFFC)
		return (w >> ((addr & 3) * 8)) & sizeMask(size), 0, nil
	case addr>>29 == 2: // 0x40000000–0x5FFFFFFF: other peripherals
		if addr&^3 == approtectDisable && c.disabled {
			return approtectKey, 0, nil
		}
		return 0, 0, nil // not modeled: read as zero
	case addr>>20 == 0xE00:
		return c.core.Bus().Read(addr, size)
	}
	return 0, 0, hw.ErrBusFault
}

func sizeMask(size int) uint32 {
	if size == 4 {
		return 0xFFFFFFFF
	}
	return 1<<(uint(size)*8) - 1
}

func (b *sysBus) Write(addr uint32, size int, v uint32) (time.Duration, error) {
	c := b.c
	if !c.powered {
		return 0, hw.ErrBusFault
	}
	switch {
	case addr < FlashSize:
		if size != 4 {
			return 0, hw.ErrBusFault // the NVMC writes whole words only
		}
		return c.writeWord(c.flash, addr, addr, v), nil
	case addr-UICRBase < uicrSize:
		if size != 4 {
			return 0, hw.ErrBusFault
		}
		return c.writeWord(c.uicr, addr-UICRBase, addr, v), nil
	case addr-FICRBase < uint32(len(c.ficr)):
		return 0, nil // FICR is read-only
	case addr-RAMBase < RAMSize:
		off := addr - RAMBase
		switch size {
		case 1:
			c.ram[off] = byte(v)
		case 2:
			binary.LittleEndian.PutUint16(c.ram[off:], uint16(v))
		default:
			binary.LittleEndian.PutUint32(c.ram[off:], v)
		}
		return 0, nil
	case addr&^0xFFF == NVMCBase:
		if size != 4 {
			return 0, nil
		}
		return c.nvmcWrite(addr&0xFFC, v), nil
	case addr>>29 == 2:
		if c.rev3 && addr == approtectDisable && size == 4 && v == approtectKey {
			c.disabled = true
			c.relatch()
		}
		if c.rev3 && addr == approtectForce && size == 4 && v == 0 {
			c.protected = true // FORCEPROTECT: on until the next reset
			c.forced = true
		}
		return 0, nil
	case addr>>20 == 0xE00:
		return c.core.Bus().Write(addr, size, v)
	}
	return 0, hw.ErrBusFault
}

// fetch reads a vector for the core at reset.
func (c *Chip) fetch(addr uint32) (uint32, error) {
	v, _, err := c.bus.Read(addr, 4)
	return v, err
}
