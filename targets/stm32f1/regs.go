package stm32f1

import "time"

// FPEC registers (RM0008 §3.4).
const (
	fpec    uint32 = 0x40022000
	regKEYR        = fpec + 0x04
	regOPTK        = fpec + 0x08
	regSR          = fpec + 0x0C
	regCR          = fpec + 0x10
	regAR          = fpec + 0x14
	regOBR         = fpec + 0x1C
	regWRPR        = fpec + 0x20

	key1 uint32 = 0x45670123
	key2 uint32 = 0xCDEF89AB

	srBSY      uint32 = 1 << 0
	srPGERR    uint32 = 1 << 2
	srWRPRTERR uint32 = 1 << 4
	srEOP      uint32 = 1 << 5
	srErrors          = srPGERR | srWRPRTERR

	crPG     uint32 = 1 << 0
	crPER    uint32 = 1 << 1
	crMER    uint32 = 1 << 2
	crOPTPG  uint32 = 1 << 4
	crOPTER  uint32 = 1 << 5
	crSTRT   uint32 = 1 << 6
	crLOCK   uint32 = 1 << 7
	crOPTWRE uint32 = 1 << 9

	obrRDPRT uint32 = 1 << 1

	// Option bytes (RM0008 §3.5): RDP, USER, DATA0, DATA1, WRP0..3 as
	// halfwords, each data byte with its complement above it.
	optBase  uint32 = 0x1FFFF800
	optCount        = 8
	rdpOpen  uint16 = 0x00A5
	rdpLock  uint16 = 0x0000
)

// Timeouts: datasheet maxima (DS5319: page and mass erase 40 ms,
// halfword 70 µs) with wide margins for slow probes and clones.
const (
	eraseTimeout  = 500 * time.Millisecond
	optionTimeout = 2 * time.Second // RDP removal includes a mass erase
)
