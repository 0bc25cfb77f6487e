package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"

	"github.com/spf13/cobra"

	"github.com/flashstation/flashstation/drivers/sim/bitbang"
)

func init() { register(newSimCmd) }

func newSimCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Serve parts of the simulated world to outside tools",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newJTAGServerCmd(), newUSBServerCmd())
	return cmd
}

// jtagServerEvent is one JSON line of `sim jtag-server --json`.
type jtagServerEvent struct {
	Event       string `json:"event"` // "listening" or "stopped"
	Chip        string `json:"chip"`
	Address     string `json:"address,omitempty"`
	Locked      bool   `json:"locked"`
	FlashSHA256 string `json:"flash_sha256,omitempty"`
	TCK         uint64 `json:"tck_cycles,omitempty"`
	ModeledSec  string `json:"modeled_time,omitempty"`
}

func newJTAGServerCmd() *cobra.Command {
	var cfg bitbang.ChipConfig
	var port int
	var tckKHz uint32
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "jtag-server",
		Short: "Serve one simulated STM32 over OpenOCD's remote_bitbang protocol (JTAG) on 127.0.0.1",
		Long: "Serve one simulated STM32 over OpenOCD's remote_bitbang protocol (JTAG only, as\n" +
			"OpenOCD 0.12 speaks it) on 127.0.0.1 until interrupted; then print the flash SHA-256.\n" +
			"Point OpenOCD at it with:\n" +
			"  openocd -c 'adapter driver remote_bitbang; remote_bitbang host 127.0.0.1;\n" +
			"    remote_bitbang port N; transport select jtag; set WORKAREASIZE 0' -f target/stm32f1x.cfg",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if port < 0 || port > 65535 {
				return usageErrorf("--port %d: want 0..65535 (0 picks a free port)", port)
			}
			if tckKHz == 0 || tckKHz > math.MaxUint32/1000 {
				return usageErrorf("--tck-khz %d: want 1..%d", tckKHz, math.MaxUint32/1000)
			}
			cfg.TCKHz = tckKHz * 1000
			chip, err := bitbang.NewChip(cfg)
			if err != nil {
				return badInput(fmt.Errorf("--chip: %w", err))
			}
			ln, err := bitbang.Listen(port)
			if err != nil {
				return failed(err)
			}
			out := cmd.OutOrStdout()
			ev := jtagServerEvent{Event: "listening", Chip: chip.Variant, Address: ln.Addr().String(), Locked: chip.Locked()}
			if asJSON {
				if err := writeJSONLine(out, ev); err != nil {
					ln.Close()
					return failed(err)
				}
			} else {
				fmt.Fprintf(out, "jtag-server: %s on %s (remote_bitbang, JTAG)\n", chip.Variant, ev.Address)
			}
			srv := bitbang.NewServer(chip.Target(), slog.Default())
			if err := srv.Serve(cmd.Context(), ln); err != nil {
				return failed(err)
			}
			sum := chip.FlashSHA256()
			st := srv.Stats()
			ev = jtagServerEvent{Event: "stopped", Chip: chip.Variant, Locked: chip.Locked(),
				FlashSHA256: hex.EncodeToString(sum[:]), TCK: st.TCK, ModeledSec: chip.Clock.Now().String()}
			if asJSON {
				return writeJSONLine(out, ev)
			}
			fmt.Fprintf(out, "jtag-server: stopped after %d TCK cycles (%s modeled); locked=%v\nflash sha256 %s\n",
				st.TCK, ev.ModeledSec, ev.Locked, ev.FlashSHA256)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Variant, "chip", "", "chip to simulate: "+strings.Join(bitbang.Variants, ", "))
	f.BoolVar(&cfg.Locked, "locked", false, "start with readout protection on (RDP level 1)")
	f.StringVar(&cfg.Maker, "maker", "", "STM32F103 compatible in the ST part's place: gd32, cs32 or apm32 (default ST silicon)")
	f.Uint64Var(&cfg.Seed, "seed", 1, "seed of the chip's unique ID")
	f.IntVar(&port, "port", 0, "TCP port on 127.0.0.1 (0 picks a free one and prints it)")
	f.Uint32Var(&tckKHz, "tck-khz", bitbang.DefaultTCKHz/1000, "modeled JTAG clock in kHz, charged per TCK cycle")
	f.BoolVar(&asJSON, "json", false, "print JSON lines (listening, stopped)")
	cmd.MarkFlagRequired("chip")
	return cmd
}

// writeJSONLine prints v as one compact JSON line (a stream of events).
func writeJSONLine(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }
