package hw

// MemAPSpec describes a MEM-AP that fronts a Bus.
type MemAPSpec struct {
	Bus  Bus
	IDR  uint32 // e.g. 0x24770011 Cortex-M3/M4 AHB-AP, 0x04770031 M0+
	BASE uint32 // debug ROM table base as read from the BASE register
	// WrapBytes is the TAR auto-increment window: 1024 or 4096.
	WrapBytes uint32
	// Blocked, when non-nil and returning true, makes the AP refuse memory
	// access (readout protection that cuts the debugger off, nRF52 APPROTECT).
	// IDR stays readable.
	Blocked func() bool
	// Sizes lists the access sizes the AP supports besides 32-bit (1, 2).
	// Cortex-M AHB-APs support 8 and 16; some APs only 32.
	Sizes []int
}

// APSpec is one AP on a DP: a MEM-AP or a custom AP. Exactly one is set.
type APSpec struct {
	Mem    *MemAPSpec
	Custom AP
	IDR    uint32 // the IDR of a custom AP
}

// DPSpec describes one debug port.
type DPSpec struct {
	DPIDR uint32
	// Version 1 (ADIv5 DPv1) or 2 (DPv2: TARGETID, TARGETSEL, dormant).
	Version int
	// TargetID is DPv2 TARGETID; TARGETSEL selects this DP when it equals
	// (Instance<<28) | (TargetID & 0x0FFFFFFF).
	TargetID uint32
	Instance uint8
	APs      []APSpec // indexed by APSEL
	// OnCtrlStat, when non-nil, is called after every write to CTRL/STAT with
	// the new value (the RP2040 rescue DP resets the chip from here).
	OnCtrlStat func(value uint32)
}

// TAPSpec is one TAP on the JTAG chain.
type TAPSpec struct {
	IRLen  int
	IDCODE uint32
	// DP, when >= 0, makes this TAP a JTAG-DP in front of DebugPorts()[DP];
	// otherwise it is a plain TAP (IDCODE, BYPASS; other instructions act as
	// BYPASS).
	DP int
}

// Chip is a simulated board as the fixture sees it.
type Chip interface {
	Name() string
	// DebugPorts are the DPs on the SWD bus: one for most chips, several on
	// a multidrop bus (RP2040: core 0, core 1, rescue).
	DebugPorts() []DPSpec
	// JTAGChain lists the TAPs from TDI to TDO; nil when the chip has no JTAG.
	JTAGChain() []TAPSpec
	// SetReset drives the nRESET pin (true = asserted, low).
	SetReset(asserted bool)
	// SetPower switches the board's supply; off loses RAM and core state,
	// flash survives, and the debug port stops answering.
	SetPower(on bool)
	// Voltage is the target supply in volts as a probe measures it (0 off).
	Voltage() float64
}
