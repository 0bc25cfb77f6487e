package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/openocd"
	"github.com/flashstation/flashstation/targets/facts"
	"github.com/flashstation/flashstation/targets/native"
)

func init() { register(newChipsCmd) }

type chipReport struct {
	Name        string       `json:"name"`
	Family      string       `json:"family"`
	Part        string       `json:"part"`
	DeviceID    uint32       `json:"device_id"`
	Flash       regionReport `json:"flash"`
	RAM         regionReport `json:"ram"`
	EraseUnits  []eraseRun   `json:"erase_units"`
	Extra       []namedRange `json:"extra_regions"`
	ProgramUnit uint32       `json:"program_unit"`
	UF2Family   *uint32      `json:"uf2_family"`
	Probes      []probeReach `json:"probes"`
}

// probeReach says how one probe kind reaches a chip: "native" or
// "openocd".
type probeReach struct {
	Kind string `json:"kind"`
	Via  string `json:"via"`
}

// reach lists the probe kinds that can drive v. CMSIS-DAP reaches every
// natively supported family. ST-Link speaks SWD without multidrop
// TARGETSEL (drivers/stlink), so a chip that needs it (RP2040) is out of
// its reach. J-Link goes through OpenOCD for every family it has a target
// script for.
func reach(v *facts.Variant) []probeReach {
	out := []probeReach{}
	nativeOK := false
	for _, f := range native.Families() {
		nativeOK = nativeOK || f == v.Family
	}
	multidrop := native.ConnectOptionsFor(v).Probe.TargetSel != nil
	for _, k := range []drivers.Kind{drivers.CMSISDAPv1, drivers.CMSISDAPv2, drivers.STLinkV2, drivers.STLinkV21, drivers.STLinkV3} {
		isSTLink := k == drivers.STLinkV2 || k == drivers.STLinkV21 || k == drivers.STLinkV3
		if nativeOK && !(isSTLink && multidrop) {
			out = append(out, probeReach{string(k), "native"})
		}
	}
	if _, err := openocd.TargetConfig(v.Family); err == nil {
		out = append(out, probeReach{string(drivers.JLink), "openocd"})
	}
	return out
}

func newChipsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "chips",
		Short: "List every supported chip variant: flash and RAM layout, erase units, and which probes reach it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var reps []chipReport
			for _, v := range facts.All() {
				erase, extra := layoutOf(&v)
				rep := chipReport{Name: v.Name, Family: v.Family, Part: v.Part, DeviceID: v.DevID,
					Flash: regionReport{v.Flash.Base, v.Flash.Size}, RAM: regionReport{v.RAM.Base, v.RAM.Size},
					EraseUnits: erase, Extra: extra, ProgramUnit: v.ProgramUnit, Probes: reach(&v)}
				if v.UF2Family != 0 {
					f := v.UF2Family
					rep.UF2Family = &f
				}
				reps = append(reps, rep)
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), struct {
					Chips []chipReport `json:"chips"`
				}{reps})
			}
			printChips(cmd.OutOrStdout(), reps)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printChips(w io.Writer, reps []chipReport) {
	for i, r := range reps {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s  %s (family %s, device id 0x%X)\n", r.Name, r.Part, r.Family, r.DeviceID)
		fmt.Fprintf(w, "  flash  0x%08X, %d KiB, programmed in %d-byte units; erase", r.Flash.Base, r.Flash.Size/1024, r.ProgramUnit)
		for _, e := range r.EraseUnits {
			fmt.Fprintf(w, " %dx%d KiB", e.Count, e.Size/1024)
		}
		fmt.Fprintln(w)
		for _, x := range r.Extra {
			fmt.Fprintf(w, "  %-6s 0x%08X, %d bytes\n", x.Name, x.Base, x.Size)
		}
		fmt.Fprintf(w, "  ram    0x%08X, %d KiB\n", r.RAM.Base, r.RAM.Size/1024)
		if r.UF2Family != nil {
			fmt.Fprintf(w, "  uf2    family 0x%08X\n", *r.UF2Family)
		}
		var ps []string
		for _, p := range r.Probes {
			ps = append(ps, p.Kind+" ("+p.Via+")")
		}
		fmt.Fprintf(w, "  probes %s\n", strings.Join(ps, ", "))
	}
}
