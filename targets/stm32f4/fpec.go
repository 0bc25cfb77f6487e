package stm32f4

import (
	"context"
	"fmt"
	"time"

	"github.com/flashstation/flashstation/targets/stm32"
)

// ctl is the flash interface for the shared STM32 sequences (RM0383
// §3.5): KEY1 then KEY2 unlocks CR; a wrong sequence raises a bus error
// and locks CR until reset. Sectors are selected in CR (SNB), so there is
// no address register, and a command clears CR when it ends.
var ctl = &stm32.Controller{
	Pkg: "stm32f4", Unit: "flash interface", KeyLock: "the key lock",
	KEYR: regKEYR, SR: regSR, CR: regCR, Keys: [2]uint32{key1, key2},
	BSY: srBSY, EOP: srEOP, Errors: srErrors, LOCK: crLOCK, STRT: crSTRT,
	PG: crPG | crPSIZE32, Width: 4,
	UnitTimeout: wordTimeout,
	IdleTimeout: sectorTimeout,
	SRError:     srError,
}

func srError(sr, addr uint32) error {
	switch {
	case sr&srWRPERR != 0:
		return fmt.Errorf("stm32f4: write-protection error at 0x%08X (FLASH_SR 0x%08X): the sector is write-protected or the chip is read-protected; run unlock", addr, sr)
	case sr&(srPGAERR|srPGPERR|srPGSERR) != 0:
		return fmt.Errorf("stm32f4: programming sequence/alignment/parallelism error at 0x%08X (FLASH_SR 0x%08X)", addr, sr)
	case sr&(srOPERR|srRDERR) != 0:
		return fmt.Errorf("stm32f4: flash operation error at 0x%08X (FLASH_SR 0x%08X)", addr, sr)
	}
	return nil
}

// wait waits for SR.BSY=0 and turns error flags into an error.
func (s *Session) wait(ctx context.Context, d time.Duration) (uint32, error) {
	return ctl.Wait(ctx, s.T, d)
}

// command sets CR=bits, then CR=bits|STRT, waits, and clears CR.
func (s *Session) command(ctx context.Context, bits uint32, d time.Duration) error {
	return ctl.Command(ctx, s.T, bits, nil, d)
}
