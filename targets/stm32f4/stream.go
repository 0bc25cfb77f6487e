package stm32f4

import (
	"context"
	"log/slog"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/stm32"
)

// stalled decides how words go out, and logs the choice.
//
// Genuine STM32F411: a write to flash while BSY=1 stalls the bus until
// the running operation ends (RM0383 §3.5), so the host streams words
// back to back and lets the MEM-AP answer WAIT, checking SR (PGSERR,
// PGPERR, PGAERR, WRPERR, OPERR) once per chunk; Black Magic Debug
// programs STM32F4 the same way, and verify is the final proof. A chip
// that is not the Cortex-M4 and SW-DP of an ST part, or whose revision
// RM0383 does not list, is unknown and gets the polled path (BSY=0
// before every word), as clones may drop a write made while busy.
func (s *Session) stalled(ctx context.Context) bool {
	idc, err := stm32.ReadIDCode(ctx, s.T)
	var cpuid uint32
	if err == nil {
		cpuid, err = s.T.Read32(ctx, stm32.CPUIDAddr)
	}
	if err != nil {
		targets.Logf(ctx, slog.LevelWarn, "stm32f4: identity unreadable (%v): waiting for BSY=0 after every word", err)
		return false
	}
	rev, known := idc.Letter()
	if !stm32.SameCore(cpuid, cpuidM4) || s.T.DPIDR != s.V.DPIDR || !known {
		targets.Logf(ctx, slog.LevelInfo, "stm32f4: CPUID 0x%08X, DPIDR 0x%08X, revision %s: not known ST silicon, waiting for BSY=0 after every word",
			cpuid, s.T.DPIDR, rev)
		return false
	}
	targets.Logf(ctx, slog.LevelInfo, "stm32f4: ST silicon (CPUID 0x%08X, revision %s): streaming words, the bus stalls while the flash is busy (RM0383 §3.5)",
		cpuid, rev)
	return true
}
