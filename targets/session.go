package targets

import (
	"context"
	"fmt"
	"strings"
)

// Segment is bytes to place at an absolute address (a firmware image is a
// sorted list of them; recipes/firmware produces them).
type Segment struct {
	Addr uint32
	Data []byte
}

// Identity is what Identify reads from a chip.
type Identity struct {
	Family   string // "stm32f1", "stm32f4", "nrf52", "rp2040"
	Part     string // "STM32F103C8", "nRF52840", ...
	DeviceID uint32 // DBGMCU DEV_ID, FICR INFO.PART, SYSINFO PART
	RevID    uint32
	Revision string // "Y", "B2", "AAD0", ...
	// FlashKiB is the flash size the chip reports; 0 when the register
	// could not be read or held an impossible value (FlashNote says which).
	FlashKiB  uint32
	FlashNote string
	// UID is the unit's unique ID as stored (STM32 96-bit UID, nRF52 FICR
	// DEVICEID, RP2040 flash unique ID), most significant byte first as
	// tools print it.
	UID []byte
	// Clone: a GD32/CS32/APM32-style STM32F103 compatible, not ST silicon.
	Clone bool
	// Protected: readout protection is active (RDP level 1, APPROTECT).
	Protected bool
	DPIDR     uint32
}

// UIDHex is the unit ID as the records and QA use it: uppercase hex.
func (id Identity) UIDHex() string { return fmt.Sprintf("%X", id.UID) }

// ProtectionState is what Lock reports after proving the lock took.
type ProtectionState struct {
	Protected bool
	Level     string // "RDP level 1", "APPROTECT", "none"
	Detail    string
}

// Phase of a long operation, for progress events.
type Phase string

const (
	PhaseErase   Phase = "erase"
	PhaseProgram Phase = "program"
	PhaseVerify  Phase = "verify"
	PhaseUnlock  Phase = "unlock"
	PhaseRead    Phase = "read"
)

// Progress is one event of a long operation: Done of Total bytes of Phase.
type Progress struct {
	Phase Phase
	Done  int64
	Total int64
}

// ProgressFunc receives progress events. It must not block for long; nil
// means nobody listens.
type ProgressFunc func(Progress)

// ProgramOptions say how Program prepares flash.
type ProgramOptions struct {
	// SkipErase: the caller erased already (mass erase or unlock earlier in
	// the recipe); otherwise Program erases exactly the sectors it writes.
	SkipErase bool
}

// Session is what a recipe step needs of one board behind one probe. A
// native session is a chip family over a probe's abilities; the OpenOCD
// driver offers one by handing whole operations to OpenOCD. Every method
// honours ctx: cancellation stops at a safe point and leaves the chip in a
// known state (flash controller locked, core halted or running).
type Session interface {
	Identify(ctx context.Context) (Identity, error)
	// Unlock removes readout protection. It always mass-erases.
	Unlock(ctx context.Context, progress ProgressFunc) error
	MassErase(ctx context.Context, progress ProgressFunc) error
	// Erase erases the erase units covering [addr, addr+size); the range
	// must lie in flash and be aligned to those units.
	Erase(ctx context.Context, addr, size uint32, progress ProgressFunc) error
	Program(ctx context.Context, image []Segment, opts ProgramOptions, progress ProgressFunc) error
	// Verify reads the image's ranges back; a difference is a *VerifyError.
	Verify(ctx context.Context, image []Segment, progress ProgressFunc) error
	// WriteBytes programs per-unit data (a serial number, UICR words) into
	// erased flash.
	WriteBytes(ctx context.Context, addr uint32, data []byte) error
	// Lock turns readout protection on, resets, and reads the state back.
	Lock(ctx context.Context) (ProtectionState, error)
	// Reset resets the chip; halt stops it at the reset vector, otherwise
	// the firmware runs.
	Reset(ctx context.Context, halt bool) error
	Close() error
}

// VerifyError names the first difference between flash and the image.
type VerifyError struct {
	Addr      uint32
	Want, Got []byte // a few bytes from Addr
	Mismatch  int    // how many bytes differ in all
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("verify failed at 0x%08X: flash has %s, image has %s (%d bytes differ)",
		e.Addr, hexBytes(e.Got), hexBytes(e.Want), e.Mismatch)
}

func hexBytes(b []byte) string {
	parts := make([]string, len(b))
	for i, v := range b {
		parts[i] = fmt.Sprintf("%02X", v)
	}
	return strings.Join(parts, " ")
}
