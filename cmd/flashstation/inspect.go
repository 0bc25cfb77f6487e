package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/facts"
)

func init() {
	register(newInfoCmd)
	register(newReadCmd)
}

// infoReport is what `flashstation info` prints: what read-id reads, the
// protection state, and the chip's flash layout.
type infoReport struct {
	Probe      string       `json:"probe"`
	Port       string       `json:"port"`
	Serial     string       `json:"probe_serial"`
	Part       string       `json:"part"`
	Family     string       `json:"family"`
	DeviceID   uint32       `json:"device_id"`
	RevID      uint32       `json:"rev_id"`
	Revision   string       `json:"revision"`
	UID        string       `json:"uid"`
	DPIDR      uint32       `json:"dpidr"`
	Clone      bool         `json:"clone"`
	Protected  bool         `json:"protected"`
	FlashKiB   uint32       `json:"flash_kib_reported"`
	FlashNote  string       `json:"flash_note,omitempty"`
	Flash      regionReport `json:"flash"`
	RAM        regionReport `json:"ram"`
	EraseUnits []eraseRun   `json:"erase_units"`
	Extra      []namedRange `json:"extra_regions"`
}

type regionReport struct {
	Base uint32 `json:"base"`
	Size uint32 `json:"size"`
}

type eraseRun struct {
	Base  uint32 `json:"base"`
	Size  uint32 `json:"size"`
	Count int    `json:"count"`
}

type namedRange struct {
	Name string `json:"name"`
	Base uint32 `json:"base"`
	Size uint32 `json:"size"`
}

func layoutOf(v *facts.Variant) (erase []eraseRun, extra []namedRange) {
	addr := v.Flash.Base
	for _, r := range v.Erase {
		erase = append(erase, eraseRun{Base: addr, Size: r.Size, Count: r.Count})
		addr += r.Size * uint32(r.Count)
	}
	extra = []namedRange{}
	for _, x := range v.Extra {
		extra = append(extra, namedRange{Name: x.Name, Base: x.Base, Size: x.Size})
	}
	return erase, extra
}

// withSession finds the probe, connects to the chip and runs fn on the
// session; nothing is recorded (info and read change nothing).
func withSession(cmd *cobra.Command, b *benchFlags, fn func(ctx context.Context, bn *bench, v *facts.Variant, s targets.Session) error) error {
	if err := b.check(); err != nil {
		return err
	}
	v, err := b.variant()
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	bn, err := b.open(ctx)
	if err != nil {
		return err
	}
	defer bn.Close()
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	s, err := bn.connect(cctx, v)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return interrupted(errors.New("interrupted"))
		}
		return failed(err)
	}
	defer s.Close()
	err = fn(ctx, bn, v, s)
	if err != nil && ctx.Err() != nil {
		return interrupted(fmt.Errorf("interrupted: %w", context.Cause(ctx)))
	}
	return err
}

func newInfoCmd() *cobra.Command {
	var b *benchFlags
	cmd := &cobra.Command{
		Use:   "info --chip VARIANT",
		Short: "Identify the chip (device and unique ID, revision, flash size, protection) and print its flash layout",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withSession(cmd, b, func(ctx context.Context, bn *bench, v *facts.Variant, s targets.Session) error {
				id, err := s.Identify(ctx)
				if err != nil {
					return failed(err)
				}
				erase, extra := layoutOf(v)
				rep := infoReport{Probe: string(bn.found.Kind), Port: bn.found.Device.Port, Serial: bn.found.Serial,
					Part: id.Part, Family: id.Family, DeviceID: id.DeviceID, RevID: id.RevID, Revision: id.Revision,
					UID: id.UIDHex(), DPIDR: id.DPIDR, Clone: id.Clone, Protected: id.Protected, FlashKiB: id.FlashKiB,
					FlashNote: id.FlashNote, Flash: regionReport{v.Flash.Base, v.Flash.Size}, RAM: regionReport{v.RAM.Base, v.RAM.Size},
					EraseUnits: erase, Extra: extra}
				if b.asJSON {
					return writeJSON(cmd.OutOrStdout(), rep)
				}
				printInfo(cmd.OutOrStdout(), rep)
				return nil
			})
		},
	}
	b = addBenchFlags(cmd, true, false)
	return cmd
}

func printInfo(w io.Writer, r infoReport) {
	fmt.Fprintf(w, "probe      %s %s (%s)\n", r.Probe, orDash(r.Serial), r.Port)
	part := r.Part
	if r.Clone {
		part += " (a clone, not ST silicon)"
	}
	fmt.Fprintf(w, "chip       %s, family %s, device id 0x%X", part, r.Family, r.DeviceID)
	if r.Revision != "" {
		fmt.Fprintf(w, ", revision %s (0x%X)", r.Revision, r.RevID)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "unit       %s\n", orDash(r.UID))
	fmt.Fprintf(w, "dpidr      0x%08X\n", r.DPIDR)
	prot := "off"
	if r.Protected {
		prot = "ON (readout protection: unlock mass-erases)"
	}
	fmt.Fprintf(w, "protection %s\n", prot)
	switch {
	case r.FlashKiB != 0:
		fmt.Fprintf(w, "flash      %d KiB reported; ", r.FlashKiB)
	case r.FlashNote != "":
		fmt.Fprintf(w, "flash      size not reported (%s); ", r.FlashNote)
	default:
		fmt.Fprint(w, "flash      ")
	}
	fmt.Fprintf(w, "0x%08X..0x%08X (%d KiB)\n", r.Flash.Base, uint64(r.Flash.Base)+uint64(r.Flash.Size)-1, r.Flash.Size/1024)
	for _, e := range r.EraseUnits {
		fmt.Fprintf(w, "  erase    %d x %d KiB from 0x%08X\n", e.Count, e.Size/1024, e.Base)
	}
	for _, x := range r.Extra {
		fmt.Fprintf(w, "  %-8s 0x%08X..0x%08X\n", x.Name, x.Base, uint64(x.Base)+uint64(x.Size)-1)
	}
	fmt.Fprintf(w, "ram        0x%08X..0x%08X (%d KiB)\n", r.RAM.Base, uint64(r.RAM.Base)+uint64(r.RAM.Size)-1, r.RAM.Size/1024)
}

// maxRead bounds `read` to more than any supported chip's flash.
const maxRead = 16 << 20

func newReadCmd() *cobra.Command {
	var b *benchFlags
	var out string
	var force bool
	cmd := &cobra.Command{
		Use:   "read ADDR LEN --chip VARIANT [-o FILE]",
		Short: "Read target memory: a hex dump, or the raw bytes into a file",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			addr, err := parseNumber("ADDR", args[0], math.MaxUint32)
			if err != nil {
				return err
			}
			n, err := parseNumber("LEN", args[1], maxRead)
			if err != nil {
				return err
			}
			if n == 0 || addr+n > 1<<32 {
				return usageErrorf("read 0x%X+%d: want 1 or more bytes inside the 32-bit address space", addr, n)
			}
			if out != "" && !force {
				if _, err := os.Stat(out); err == nil {
					return usageErrorf("-o %s: the file exists; pass --force to overwrite it", out)
				}
			}
			return withSession(cmd, b, func(ctx context.Context, bn *bench, v *facts.Variant, s targets.Session) error {
				rd, ok := s.(targets.Reader)
				if !ok {
					return failed(errNoReader)
				}
				buf := make([]byte, n)
				progress := newStepProgress(cmd.ErrOrStderr())
				err := rd.ReadMemory(ctx, uint32(addr), buf, progress.bytes("read"))
				progress.wait()
				if err != nil {
					return failed(err)
				}
				return printRead(cmd, b.asJSON, out, uint32(addr), buf)
			})
		},
	}
	b = addBenchFlags(cmd, true, false)
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the bytes to FILE instead of a hex dump")
	cmd.Flags().BoolVar(&force, "force", false, "with -o: overwrite an existing file")
	return cmd
}

type readReport struct {
	Address uint32 `json:"address"`
	Size    int    `json:"size"`
	SHA256  string `json:"sha256"`
	File    string `json:"file,omitempty"`
	Data    string `json:"data,omitempty"` // hex, when not written to a file
}

func printRead(cmd *cobra.Command, asJSON bool, out string, addr uint32, buf []byte) error {
	sum := sha256.Sum256(buf)
	rep := readReport{Address: addr, Size: len(buf), SHA256: hex.EncodeToString(sum[:]), File: out}
	if out != "" {
		if err := os.WriteFile(out, buf, 0o644); err != nil {
			return failed(fmt.Errorf("-o: %w", err))
		}
	} else if asJSON {
		rep.Data = hex.EncodeToString(buf)
	}
	w := cmd.OutOrStdout()
	switch {
	case asJSON:
		return writeJSON(w, rep)
	case out != "":
		fmt.Fprintf(w, "read %d bytes from 0x%08X into %s (sha256 %s)\n", len(buf), addr, out, rep.SHA256)
		return nil
	}
	for off := 0; off < len(buf); off += 16 {
		line := buf[off:min(off+16, len(buf))]
		fmt.Fprintf(w, "%08X  % X\n", addr+uint32(off), line)
	}
	return nil
}
