package stm32f4

import "time"

// Flash interface registers (RM0383 §3.8).
const (
	flashIF  uint32 = 0x40023C00
	regKEYR         = flashIF + 0x04
	regOPTK         = flashIF + 0x08
	regSR           = flashIF + 0x0C
	regCR           = flashIF + 0x10
	regOPTCR        = flashIF + 0x14

	key1    uint32 = 0x45670123
	key2    uint32 = 0xCDEF89AB
	optKey1 uint32 = 0x08192A3B
	optKey2 uint32 = 0x4C5D6E7F

	srEOP    uint32 = 1 << 0
	srOPERR  uint32 = 1 << 1
	srWRPERR uint32 = 1 << 4
	srPGAERR uint32 = 1 << 5
	srPGPERR uint32 = 1 << 6
	srPGSERR uint32 = 1 << 7
	srRDERR  uint32 = 1 << 8
	srBSY    uint32 = 1 << 16
	srErrors        = srOPERR | srWRPERR | srPGAERR | srPGPERR | srPGSERR | srRDERR

	crPG      uint32 = 1 << 0
	crSER     uint32 = 1 << 1
	crMER     uint32 = 1 << 2
	crSNBShft        = 3
	crPSIZE32 uint32 = 2 << 8
	crSTRT    uint32 = 1 << 16
	crLOCK    uint32 = 1 << 31

	optLOCK  uint32 = 1 << 0
	optSTRT  uint32 = 1 << 1
	optRDP   uint32 = 0xFF << 8
	rdpOpen  uint32 = 0xAA
	rdpLock  uint32 = 0x00
	rdpFinal uint32 = 0xCC // level 2: never written
)

// Timeouts from DS10314 maxima with margin: sector erase 2 s (128 KiB),
// mass erase 8 s, RDP 1→0 a mass erase (OpenOCD allows 33 s).
const (
	sectorTimeout = 4 * time.Second
	massTimeout   = 33 * time.Second
	wordTimeout   = 100 * time.Millisecond
)
