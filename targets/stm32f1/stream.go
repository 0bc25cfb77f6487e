package stm32f1

import (
	"context"
	"log/slog"
	"strings"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/stm32"
)

// stalled decides how halfwords go out, and logs the choice.
//
// Genuine STM32F103: a write to flash while BSY=1 stalls the AHB until the
// running operation ends (RM0008 §3.3.3), so the host can stream halfwords
// back to back and let the MEM-AP answer WAIT; SR is checked once per
// chunk and verify is the final proof (Black Magic Debug streams the same
// way on STM32F4). Compatibles (GD32, CS32, APM32) drop a halfword written
// while busy (embassy's finding, chips.md §1), and a chip whose identity
// cannot be read is unknown: both get the polled path, BSY=0 before every
// halfword.
func (s *Session) stalled(ctx context.Context) bool {
	idc, err := stm32.ReadIDCode(ctx, s.T)
	var cpuid uint32
	if err == nil {
		cpuid, err = s.T.Read32(ctx, stm32.CPUIDAddr)
	}
	if err != nil {
		targets.Logf(ctx, slog.LevelWarn, "stm32f1: identity unreadable (%v): waiting for BSY=0 after every halfword", err)
		return false
	}
	if sig := stm32.CloneSignals(cpuid, idc, s.T.DPIDR, s.V.DPIDR); len(sig) > 0 {
		targets.Logf(ctx, slog.LevelInfo, "stm32f1: not ST silicon (%s): waiting for BSY=0 after every halfword, as compatibles drop halfwords written while busy",
			strings.Join(sig, "; "))
		return false
	}
	rev, _ := idc.Letter()
	targets.Logf(ctx, slog.LevelInfo, "stm32f1: ST silicon (CPUID 0x%08X, revision %s): streaming halfwords, the bus stalls while the FPEC is busy (RM0008 §3.3.3)",
		cpuid, rev)
	return true
}
