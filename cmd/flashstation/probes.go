package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/discover"
	"github.com/flashstation/flashstation/drivers/link"
)

func init() { register(newProbesCmd) }

type probeReport struct {
	Kind     string   `json:"kind"`
	Serial   string   `json:"serial"`
	Port     string   `json:"port"`
	VID      string   `json:"vid"`
	PID      string   `json:"pid"`
	Product  string   `json:"product"`
	Firmware string   `json:"firmware"`
	Voltage  *float64 `json:"target_voltage"`
	DPIDR    *uint32  `json:"dpidr"`
	Notes    []string `json:"notes"`
	Error    string   `json:"error,omitempty"`
}

func newProbesCmd() *cobra.Command {
	var bc busChoice
	var asJSON bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "probes",
		Short: "List attached debug probes: kind, serial, port, firmware, target voltage and DPIDR",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bus, _, closeBus, note, err := bc.open()
			if err != nil {
				return err
			}
			defer closeBus()
			ctx := cmd.Context()
			found, err := discover.Scan(ctx, bus)
			if err != nil {
				return failed(err)
			}
			reports := make([]probeReport, len(found))
			var wg sync.WaitGroup
			for i, f := range found {
				wg.Add(1)
				go func() {
					defer wg.Done()
					pctx, cancel := context.WithTimeout(ctx, timeout)
					defer cancel()
					reports[i] = inspectProbe(pctx, bus, f)
				}()
			}
			wg.Wait()
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), struct {
					Probes []probeReport `json:"probes"`
					Note   string        `json:"note,omitempty"`
				}{reports, note})
			}
			printProbes(cmd.OutOrStdout(), reports, note)
			return nil
		},
	}
	cmd.Flags().StringVar(&bc.simSpec, "sim", "", "use a simulated fixture, e.g. '2*cmsis-dap-v2:stm32f411ce,stlink-v2:stm32f103c8'")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Second, "time allowed per probe")
	return cmd
}

// rp2040Core0 is TARGETSEL for RP2040 core 0, tried when a plain SWD
// connect finds no DP (a multidrop target sleeps until selected).
const rp2040Core0 = 0x01002927

func inspectProbe(ctx context.Context, bus link.Bus, f discover.Found) probeReport {
	r := probeReport{Kind: string(f.Kind), Serial: f.Serial, Port: f.Device.Port,
		VID: fmt.Sprintf("%04x", f.Device.VID), PID: fmt.Sprintf("%04x", f.Device.PID),
		Product: f.Device.Product, Notes: append([]string{}, f.Notes...)}
	if !f.Usable || f.Kind == drivers.JLink {
		if f.Kind == drivers.JLink {
			r.Notes = append(r.Notes, "driven through OpenOCD")
		}
		return r
	}
	p, err := discover.Open(ctx, bus, f, nil)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	defer p.Close()
	r.Firmware = p.Identity().Firmware
	if vs, ok := p.(drivers.VoltageSensor); ok {
		if v, err := vs.TargetVoltage(ctx); err == nil {
			r.Voltage = &v
		}
	}
	dpidr, err := p.Connect(ctx, drivers.ConnectOptions{Protocol: drivers.SWD})
	if err != nil {
		sel := uint32(rp2040Core0)
		if d2, err2 := p.Connect(ctx, drivers.ConnectOptions{Protocol: drivers.SWD, TargetSel: &sel}); err2 == nil {
			dpidr, err = d2, nil
			r.Notes = append(r.Notes, "multidrop target (answered TARGETSEL 0x01002927, RP2040 core 0)")
		}
	}
	if err != nil {
		r.Notes = append(r.Notes, shortErr(err))
	} else {
		r.DPIDR = &dpidr
	}
	p.Disconnect(ctx)
	return r
}

func shortErr(err error) string {
	var msg string
	for e := err; e != nil; e = errors.Unwrap(e) {
		msg = e.Error()
	}
	if msg == "" {
		msg = err.Error()
	}
	return msg
}

func printProbes(w io.Writer, reports []probeReport, note string) {
	if len(reports) == 0 {
		fmt.Fprintln(w, "no debug probes found")
		if note != "" {
			fmt.Fprintln(w, note)
		}
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tSERIAL\tPORT\tFIRMWARE\tTARGET V\tDPIDR\tNOTES")
	for _, r := range reports {
		v, d := "-", "-"
		if r.Voltage != nil {
			v = fmt.Sprintf("%.2f", *r.Voltage)
		}
		if r.DPIDR != nil {
			d = fmt.Sprintf("0x%08X", *r.DPIDR)
		}
		notes := strings.Join(r.Notes, "; ")
		if r.Error != "" {
			notes = strings.TrimPrefix(notes+"; error: "+r.Error, "; ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Kind, orDash(r.Serial), r.Port, orDash(r.Firmware), v, d, notes)
	}
	tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
