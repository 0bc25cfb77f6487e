package hw

import (
	"errors"
	"time"
)

// ErrBusFault is an AHB error response: the MEM-AP sets STICKYERR and the
// debugger sees FAULT. Chip models return it (possibly wrapped) for
// unmapped addresses, reads of protected flash, bad access sizes.
var ErrBusFault = errors.New("bus fault")

// Bus is a simulated system bus as a MEM-AP (or the core) sees it.
//
// size is 1, 2 or 4 bytes and addr is aligned to it. Values are right
// aligned: a byte read returns the byte in bits 7:0, whatever the lane; the
// MEM-AP does the ADIv5 byte-lane placement.
//
// stall is how long the access holds the bus beyond a normal cycle (a flash
// read while the flash controller is busy, a write into a full write
// buffer). The MEM-AP answers WAIT to further accesses until the stall has
// passed in modeled time; most accesses return 0.
type Bus interface {
	Read(addr uint32, size int) (value uint32, stall time.Duration, err error)
	Write(addr uint32, size int, value uint32) (stall time.Duration, err error)
}

// AP is an access port that is not a MEM-AP (e.g. the nRF52 CTRL-AP).
// reg is the register address 0x00..0xFC (bank included). Errors: ErrBusFault
// (FAULT, sticky) or a *WaitError (WAIT until the given time).
type AP interface {
	ReadAP(reg uint8) (uint32, error)
	WriteAP(reg uint8, value uint32) error
}

// WaitError asks the debug port to answer WAIT until modeled time Until.
type WaitError struct{ Until time.Duration }

func (e *WaitError) Error() string { return "access in progress (WAIT)" }
