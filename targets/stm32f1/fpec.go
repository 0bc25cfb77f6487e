package stm32f1

import (
	"context"
	"fmt"
	"time"

	"github.com/flashstation/flashstation/targets/stm32"
)

// ctl is the FPEC for the shared STM32 sequences (RM0008 §3.3): KEY1
// then KEY2 unlocks CR, and a wrong sequence locks it until reset.
var ctl = &stm32.Controller{
	Pkg: "stm32f1", Unit: "FPEC", KeyLock: "the FPEC key lock",
	KEYR: regKEYR, SR: regSR, CR: regCR, AR: regAR, Keys: [2]uint32{key1, key2},
	BSY: srBSY, EOP: srEOP, Errors: srErrors, LOCK: crLOCK, STRT: crSTRT,
	// Writing 0 to OPTWRE clears it and only the key sequence sets it
	// again (RM0008 §3.4.5): keep it through a command.
	Keep: crOPTWRE,
	PG:   crPG, Width: 2,
	// A halfword written twice (a write that landed although the probe
	// reported it failed) raises PGERR and keeps its value (RM0008
	// §3.3.3): the read-back decides.
	Redundant:   srPGERR,
	IdleTimeout: eraseTimeout,
	SRError:     srError,
}

// srError explains error flags in SR.
func srError(sr, addr uint32) error {
	switch {
	case sr&srWRPRTERR != 0:
		return fmt.Errorf("stm32f1: write-protection error at 0x%08X (FLASH_SR 0x%08X): the page is write-protected or the chip is read-protected; run unlock", addr, sr)
	case sr&srPGERR != 0:
		return fmt.Errorf("stm32f1: programming error at 0x%08X (FLASH_SR 0x%08X): the halfword was not erased first", addr, sr)
	}
	return nil
}

// wait waits for SR.BSY=0 and turns error flags into an error.
func (s *Session) wait(ctx context.Context, d time.Duration) (uint32, error) {
	return ctl.Wait(ctx, s.T, d)
}

// command runs one erase-style command: CR=bits, (AR=addr), CR|=STRT, wait.
func (s *Session) command(ctx context.Context, bits uint32, addr *uint32, d time.Duration) error {
	return ctl.Command(ctx, s.T, bits, addr, d)
}
