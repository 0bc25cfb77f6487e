package rp2040

import (
	"time"

	"github.com/flashstation/flashstation/drivers/sim/clock"
)

// SSI register offsets and fields (datasheet §4.10.13).
const (
	ssiCTRLR0    = 0x00
	ssiCTRLR1    = 0x04
	ssiSSIENR    = 0x08
	ssiSER       = 0x10
	ssiBAUDR     = 0x14
	ssiTXFLR     = 0x20
	ssiRXFLR     = 0x24
	ssiSR        = 0x28
	ssiDR0       = 0x60
	ssiSPICTRLR0 = 0xF4

	tmodShift   = 8 // CTRLR0.TMOD [9:8]
	tmodTxRx    = 0
	tmodEEPROM  = 3
	frfShift    = 21 // CTRLR0.SPI_FRF [22:21]: 0 standard 1-bit SPI
	xipCmdShift = 24 // SPI_CTRLR0.XIP_CMD [31:24]

	srTFNF = 1 << 1
	srTFE  = 1 << 2
	srRFNE = 1 << 3
	srRFF  = 1 << 4

	outoverShift = 8 // GPIO_QSPI_SS_CTRL.OUTOVER [9:8]
	outoverLow   = 2
	outoverHigh  = 3

	rxDepth = 16
)

// ssi is the XIP_SSI block and the QSPI chip-select override.
type ssi struct {
	ctrlr0, ctrlr1, ssienr, ser, baudr, spiCtrlr0 uint32

	rx      [rxDepth]byte
	rxHead  int
	rxCount int

	ioqspi [12]uint32 // IO_QSPI GPIO_QSPI_*_STATUS/CTRL, SS_CTRL at index 3
	cs     bool       // the flash is selected by OUTOVER=LOW
}

// resetSSI puts SSI, IO_QSPI and the XIP cache in their reset state.
func (c *Chip) resetSSI() {
	if c.ssi.cs {
		c.flash.Deselect()
	}
	c.ssi = ssi{baudr: 0, ctrlr0: 7 << 16}
	c.xip.reset()
}

// spiByteTime is one byte at clk_sys/BAUDR, clk_sys as CLOCKS selects it
// now (BAUDR 0 disables the clock; the model then uses the bootrom's 6).
func (c *Chip) spiByteTime() time.Duration {
	div := c.ssi.baudr & 0xFFFE
	if div == 0 {
		div = 6
	}
	return clock.Bits(8*int(div), c.sysClockHz())
}

func (c *Chip) ssiRead(off uint32) uint32 {
	s := &c.ssi
	switch off {
	case ssiCTRLR0:
		return s.ctrlr0
	case ssiCTRLR1:
		return s.ctrlr1
	case ssiSSIENR:
		return s.ssienr
	case ssiSER:
		return s.ser
	case ssiBAUDR:
		return s.baudr
	case ssiTXFLR:
		return 0 // the model drains TX as it is written
	case ssiRXFLR:
		return uint32(s.rxCount)
	case ssiSR:
		sr := uint32(srTFNF | srTFE)
		if s.rxCount > 0 {
			sr |= srRFNE
		}
		if s.rxCount == rxDepth {
			sr |= srRFF
		}
		return sr
	case ssiDR0:
		c.interfere()
		if s.rxCount == 0 {
			return 0
		}
		b := s.rx[s.rxHead]
		s.rxHead = (s.rxHead + 1) % rxDepth
		s.rxCount--
		return uint32(b)
	case ssiSPICTRLR0:
		return s.spiCtrlr0
	}
	return 0
}

func (c *Chip) ssiWrite(off, v uint32) {
	s := &c.ssi
	switch off {
	case ssiCTRLR0:
		if s.ssienr == 0 { // configuration registers are locked while enabled
			s.ctrlr0 = v
		}
	case ssiCTRLR1:
		if s.ssienr == 0 {
			s.ctrlr1 = v
		}
	case ssiSSIENR:
		c.interfere()
		s.ssienr = v & 1
		if s.ssienr == 0 {
			s.rxCount, s.rxHead = 0, 0 // disabling flushes the FIFOs
		}
	case ssiSER:
		c.interfere()
		s.ser = v & 1
	case ssiBAUDR:
		if s.ssienr == 0 {
			s.baudr = v & 0xFFFF
		}
	case ssiSPICTRLR0:
		if s.ssienr == 0 {
			s.spiCtrlr0 = v
		}
	case ssiDR0:
		c.interfere()
		c.ssiTransmit(byte(v))
	}
}

// ssiTransmit clocks one byte out of DR0 in TX-and-RX mode. The SSI drives
// /CS itself only while its FIFO holds data, which over a debug link means
// one byte at a time; holding /CS across a command needs OUTOVER=LOW, which
// is why the bootrom forces it.
func (c *Chip) ssiTransmit(b byte) {
	s := &c.ssi
	if s.ssienr == 0 || (s.ctrlr0>>tmodShift)&3 != tmodTxRx {
		return
	}
	c.clk.Advance(c.spiByteTime())
	c.syncFlash()
	var in byte = 0xFF
	switch (s.ioqspi[3] >> outoverShift) & 3 {
	case outoverLow:
		in = c.flash.Transfer(b)
	case 0:
		if s.ser&1 != 0 {
			c.flash.Select()
			in = c.flash.Transfer(b)
			c.flash.Deselect()
		}
	}
	if s.rxCount == rxDepth {
		return // overflow: the byte is lost
	}
	s.rx[(s.rxHead+s.rxCount)%rxDepth] = in
	s.rxCount++
}

// applyCS follows GPIO_QSPI_SS_CTRL.OUTOVER to the flash's /CS pin.
func (c *Chip) applyCS() {
	low := (c.ssi.ioqspi[3]>>outoverShift)&3 == outoverLow
	switch {
	case low && !c.ssi.cs:
		c.flash.Select()
	case !low && c.ssi.cs:
		c.flash.Deselect()
	}
	c.ssi.cs = low
}

// setOutover writes SS_CTRL.OUTOVER as the bootrom's flash_cs_force does.
func (c *Chip) setOutover(v uint32) {
	r := &c.ssi.ioqspi[3]
	*r = *r&^(3<<outoverShift) | v<<outoverShift
	c.applyCS()
}

// enterCmdXIP configures the SSI as flash_enter_cmd_xip leaves it: 32-bit
// EEPROM-read frames, 8-bit 03h instruction, 24-bit address.
func (c *Chip) enterCmdXIP() {
	s := &c.ssi
	s.ssienr = 0
	s.ctrlr0 = 31<<16 | tmodEEPROM<<tmodShift
	s.spiCtrlr0 = 0x03<<xipCmdShift | 2<<8 | 6<<2
	s.ssienr = 1
}

// initSPI configures the SSI as flash_init_spi does: 8-bit TX-and-RX
// frames, BAUDR 6, slave 0 selected.
func (c *Chip) initSPI() {
	s := &c.ssi
	s.ssienr = 0
	s.rxCount, s.rxHead = 0, 0
	s.baudr = 6
	s.ctrlr0 = 7<<16 | tmodTxRx<<tmodShift
	s.ser = 1
	s.ssienr = 1
}
