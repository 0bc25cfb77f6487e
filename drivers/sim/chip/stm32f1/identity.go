package stm32f1

// Identity of each STM32F103 (and compatible) as a debugger reads it. Every
// value is taken from a real part's log; drivers/sim/IDENTITY.md holds the
// source and a quote per value, and a test checks the two agree.

// Maker names whose silicon sits in the package.
type Maker string

// The makers modelled. The compatibles are the ones users meet on "Blue
// Pill" boards, often marked STM32F103.
const (
	MakerST    Maker = ""      // genuine STM32F103
	MakerGD32  Maker = "gd32"  // GigaDevice GD32F103
	MakerCS32  Maker = "cs32"  // China Key Systems CS32F103 / CKS32F103
	MakerAPM32 Maker = "apm32" // Geehy (Apex) APM32F103
)

// Makers lists the compatibles in the order errors name them.
var Makers = []Maker{MakerGD32, MakerCS32, MakerAPM32}

// MakerClone is what the spec option "clone" means: the compatible seen
// most in public reports (OpenOCD's "UNEXPECTED idcode: 0x2ba01477" on
// CKS32F103 Blue Pills: stecman/hw-boot-selection#7, libhal/SJSU-Dev2#1440,
// xpack-dev-tools/openocd-xpack discussion #29).
const MakerClone = MakerCS32

// Identity is what one maker's part answers.
type Identity struct {
	DPIDR  uint32 // SW-DP DPIDR
	CPUTAP uint32 // Cortex-M3 JTAG-DP IDCODE
	BSTAP  uint32 // boundary-scan TAP IDCODE
	APIDR  uint32 // AHB-AP IDR
	CPUID  uint32 // SCB CPUID, 0xE000ED00
	IDCODE uint32 // DBGMCU_IDCODE, 0xE0042000
	// ROMPart and ROMJEP106 (continuation<<8 | identity) are the ROM
	// table's PIDR part number and designer; zero keeps ARM's Cortex-M3 ROM
	// table (part 0x4C3, designer 0x43B).
	ROMPart   uint32
	ROMJEP106 uint16
	// SRAMInSizeReg: the word at 0x1FFFF7E0 carries the SRAM size in KiB
	// in its upper halfword (GigaDevice "memory density information").
	SRAMInSizeReg bool
	// DropWhileBusy: a halfword written to flash while BSY is lost instead
	// of stalling the bus until the running program ends.
	DropWhileBusy bool
}

// Identities per maker. Sources: drivers/sim/IDENTITY.md.
var Identities = map[Maker]Identity{
	// pyOCD log in ARMmbed/DAPLink#758 ("DP IDR = 0x1ba01477", "AP#0 IDR =
	// 0x14770011"); Black Magic dump in blackmagic-debug/blackmagic#507
	// (ROM "PIDR 0x00000a0410"); OpenOCD JTAG scan on blaatschaap.be
	// 32f103-comparison part 2 (0x3ba00477, 0x16410041); J-Link log
	// "CPUID register: 0x411FC231"; stlink-org/stlink#172 "id 0x20036410".
	MakerST: {
		DPIDR: 0x1BA01477, CPUTAP: 0x3BA00477, BSTAP: 0x16410041, APIDR: 0x14770011,
		CPUID: 0x411FC231, IDCODE: 0x20036410, ROMPart: DevID, ROMJEP106: 0x020,
	},
	// blaatschaap.be part 3 (CPUID r2p1, ROM designer bank 8 id 0x51 =
	// GigaDevice, part 0x76F) and part 4 (Device ID 0x0410, Revision
	// 0x1303); Black Magic gd32f1_probe (SRAM KiB above the flash KiB).
	// DP, TAP and AP ids: no public log found; the r1 DAP ids are kept
	// (UNCONFIRMED in IDENTITY.md).
	MakerGD32: {
		DPIDR: 0x1BA01477, CPUTAP: 0x1BA01477, BSTAP: 0x16410041, APIDR: 0x14770011,
		CPUID: 0x412FC231, IDCODE: 0x13030410, ROMPart: 0x76F, ROMJEP106: 7<<8 | 0x51,
		SRAMInSizeReg: true,
	},
	// OpenOCD "UNEXPECTED idcode: 0x2ba01477" (stecman/hw-boot-selection#7);
	// st-info "chipid: 0x0410" (stlink-org/stlink#805); blaatschaap.be part
	// 3 (r2p1, ARM ROM table 0x4C3). AP IDR and JTAG id are the Cortex-M3
	// r2 DAP's (riscv-collab/riscv-openocd#115: r2p1 with "IDCODE =
	// 0x4ba00477", "IDR=0x24770011"); Black Magic tells clones by that AP
	// revision (stm32f1.c "ap->idr >> 28U > 1U").
	MakerCS32: {
		DPIDR: 0x2BA01477, CPUTAP: 0x4BA00477, BSTAP: 0x16410041, APIDR: 0x24770011,
		CPUID: 0x412FC231, IDCODE: 0x20036410,
	},
	// OpenOCD's apm32f1x.cfg CPUTAPID 0x2ba01477 (CTXz/stm32f1-picopwner#39);
	// blaatschaap.be part 3 (r2p1, ARM ROM table); Black Magic names it
	// "STM32F1 (clone) medium density" (blackmagic-debug/blackmagic#1148),
	// so DEV_ID 0x410 and an AP revision above 1; embassy: halfwords lost
	// when BSY is not awaited.
	MakerAPM32: {
		DPIDR: 0x2BA01477, CPUTAP: 0x4BA00477, BSTAP: 0x16410041, APIDR: 0x24770011,
		CPUID: 0x412FC231, IDCODE: 0x20036410, DropWhileBusy: true,
	},
}
