package cortexm

// CoreSight components of each core as real parts report them in their
// peripheral ID registers (PIDR part number and revision) and component ID
// (CIDR1 class). Sources and quotes: drivers/sim/IDENTITY.md.
//
//   - Cortex-M3 r1p1 (STM32F103), J-Link: "PID: 001BB000 SCS", "001BB002
//     DWT", "000BB003 FPB", "001BB001 ITM", "CID: B105900D, PID: 001BB923
//     TPIU-Lite"; no ETM in the ROM table.
//   - Cortex-M4 r0p1 (STM32F405, nRF52), J-Link: "000BB00C SCS-M7",
//     "003BB002 DWT", "002BB003 FPB", "003BB001 ITM", "CID: B105900D, PID:
//     000BB9A1 TPIU", "000BB925 ETM".
//   - Cortex-M7 r1p1 (STM32H7), pyOCD on an STM32H745 (pyOCD#1499): the M7
//     ROM table at 0xE00FF000 (part 4c7) lists "SCS v7-M ... part=00c",
//     "DWT v7-M ... part=002", "FPB v7-M ... part=00e", "ITM v7-M ...
//     part=001" and nothing else; TPIU and ETM sit outside it (ST's ROM
//     table and the APB-AP). Revisions: Black Magic on a Cortex-M7
//     (blackmagic#1712) "FBP ... PIDR = 0x00000004000bb00e" and ITM PIDR2
//     0x0B (revision 0); SCS and DWT revisions are UNCONFIRMED (0).
//   - Cortex-M0+ (STM32L072 in Black Magic's dump, blackmagic#507): "PIDR =
//     0x04000bb008" SCS, "0x04000bb00a" DWT, "0x04000bb00b" BPU.
type component struct {
	base  uint32
	part  uint32 // PIDR part number
	rev   uint32 // PIDR2 REVISION
	class uint32 // CIDR1 class: 0xE generic IP, 0x9 CoreSight component
}

const (
	classGeneric   = 0xE
	classCoreSight = 0x9
	partETM        = 0x925
)

var (
	componentsM3 = []component{
		{0xE000E000, 0x000, 1, classGeneric}, {0xE0001000, 0x002, 1, classGeneric},
		{0xE0002000, 0x003, 0, classGeneric}, {0xE0000000, 0x001, 1, classGeneric},
		{0xE0040000, 0x923, 1, classCoreSight},
	}
	componentsM4 = []component{
		{0xE000E000, 0x00C, 0, classGeneric}, {0xE0001000, 0x002, 3, classGeneric},
		{0xE0002000, 0x003, 2, classGeneric}, {0xE0000000, 0x001, 3, classGeneric},
		{0xE0040000, 0x9A1, 0, classCoreSight}, {0xE0041000, partETM, 0, classCoreSight},
	}
	componentsM7 = []component{
		{0xE000E000, 0x00C, 0, classGeneric}, {0xE0001000, 0x002, 0, classGeneric},
		{0xE0002000, 0x00E, 0, classGeneric}, {0xE0000000, 0x001, 0, classGeneric},
	}
	componentsV6M = []component{
		{0xE000E000, 0x008, 0, classGeneric}, {0xE0001000, 0x00A, 0, classGeneric},
		{0xE0002000, 0x00B, 0, classGeneric},
	}
)

// components lists the core's debug components (ROM table order).
func (c *Core) components() []component {
	switch {
	case c.v6:
		return componentsV6M
	case c.part == 0xC24:
		return componentsM4
	case c.part == 0xC27:
		return componentsM7
	}
	return componentsM3
}

// hasETM reports whether the ROM table lists an ETM.
func (c *Core) hasETM() bool {
	for _, k := range c.components() {
		if k.part == partETM {
			return true
		}
	}
	return false
}

// componentIDWord serves the PIDR/CIDR words (offsets 0xFD0–0xFFC) of the
// core's components.
func (c *Core) componentIDWord(a uint32) (uint32, bool) {
	if a&0xFFF < 0xFD0 {
		return 0, false
	}
	for _, k := range c.components() {
		if a&^0xFFF == k.base {
			return peripheralID(a, k.part, k.rev, jepARM, k.class), true
		}
	}
	return 0, false
}
