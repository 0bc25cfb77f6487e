package rp2040

import "time"

// Multidrop TARGETSEL of core 0's DP.
const targetSelCore0 uint32 = 0x01002927

// SYSINFO and bootrom header.
const (
	sysinfoChipID uint32 = 0x40000000
	chipIDPart    uint32 = 0x0002
	chipIDMfr     uint32 = 0x927

	romMagic     uint32 = 0x10 // 'M' 'u' 0x01, then the ROM version byte
	romFuncTable uint32 = 0x14 // u16 pointer
	romLookup    uint32 = 0x18 // u16 pointer to table_lookup(table, code)
	romMagicWant uint32 = 0x01754D
)

// SSI (XIP_SSI) and IO_QSPI chip-select override.
const (
	ssiBase   uint32 = 0x18000000
	ssiBaudr         = ssiBase + 0x14
	ssiSR            = ssiBase + 0x28
	ssiDR0           = ssiBase + 0x60
	ssiSRBusy uint32 = 1 << 0
	ssiSRTFE  uint32 = 1 << 2
	ssiSRRFNE uint32 = 1 << 3

	qspiSSCtrl   uint32 = 0x4001800C
	outoverMask  uint32 = 3 << 8
	outoverLow   uint32 = 2 << 8
	outoverHigh  uint32 = 3 << 8
	ssiFIFODepth        = 16
)

// SPI NOR commands (W25Q16JV).
const (
	cmdJEDEC    byte = 0x9F
	cmdUniqueID byte = 0x4B
	cmdBlockErs byte = 0xD8
	cmdSectErs  byte = 0x20
)

// SRAM layout for bootrom calls: a BKPT to return to, a stack, two
// staging buffers of one 64 KiB block each.
const (
	ramBkpt   uint32 = 0x20000000
	ramStack  uint32 = 0x20001000 // top; grows down into the first 4 KiB
	ramBufA   uint32 = 0x20001000
	ramBufB   uint32 = 0x20011000
	blockSize uint32 = 64 * 1024
	sectSize  uint32 = 4096
	pageSize  uint32 = 256
)

// Timeouts of one bootrom call (W25Q16JV maxima with a margin).
const (
	callTimeout      = 2 * time.Second
	blockCallTimeout = 10 * time.Second // 64 KiB erase (2 s max) + 256 pages (3 ms max)
	chipEraseTimeout = 60 * time.Second
)
