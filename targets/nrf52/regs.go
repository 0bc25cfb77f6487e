package nrf52

import "time"

// FICR (factory information, read only).
const (
	ficrBase         uint32 = 0x10000000
	ficrCodePageSize        = ficrBase + 0x010
	ficrCodeSize            = ficrBase + 0x014
	ficrDeviceID0           = ficrBase + 0x060
	ficrDeviceID1           = ficrBase + 0x064
	ficrInfoPart            = ficrBase + 0x100
	ficrInfoVariant         = ficrBase + 0x104
	ficrInfoPackage         = ficrBase + 0x108
	ficrInfoRAM             = ficrBase + 0x10C
	ficrInfoFlash           = ficrBase + 0x110
)

// UICR (user information, programmed through the NVMC).
const (
	uicrBase      uint32 = 0x10001000
	uicrAPProtect        = uicrBase + 0x208

	approtectEnabled    uint32 = 0x00000000
	approtectHwDisabled uint32 = 0x0000005A
)

// NVMC registers and CONFIG values.
const (
	nvmcBase      uint32 = 0x4001E000
	nvmcReady            = nvmcBase + 0x400
	nvmcConfig           = nvmcBase + 0x504
	nvmcErasePage        = nvmcBase + 0x508
	nvmcEraseAll         = nvmcBase + 0x50C
	nvmcEraseUICR        = nvmcBase + 0x514

	configRead  uint32 = 0
	configWrite uint32 = 1
	configErase uint32 = 2
)

// CTRL-AP (AP 1) registers.
const (
	ctrlAP              uint8  = 1
	ctrlReset           uint8  = 0x000
	ctrlEraseAll        uint8  = 0x004
	ctrlEraseAllStatus  uint8  = 0x008
	ctrlAPProtectStatus uint8  = 0x00C
	ctrlIDR             uint8  = 0x0FC
	ctrlAPIDR           uint32 = 0x02880000
)

// Timeouts, each a wide margin over the datasheet maximum.
const (
	pageEraseTimeout = 500 * time.Millisecond // tERASEPAGE 85 ms max
	eraseAllTimeout  = 5 * time.Second        // NVMC ERASEALL, ~170 ms
	writeTimeout     = time.Second            // the tail of a run of words
	// ctrlEraseTimeout is OpenOCD's recover budget (150 polls of 100 ms).
	ctrlEraseTimeout = 15 * time.Second
)

// writeRun is the largest run of words written before waiting for READY:
// one TAR auto-increment window of the Cortex-M4 AHB-AP, so a run is one
// TAR write and one block transfer on CMSIS-DAP and fits one ST-Link
// 6 KiB memory command.
const writeRun = 4096
