package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/flashstation/flashstation/recipes"
	"github.com/flashstation/flashstation/recipes/firmware"
)

func init() {
	register(newDownloadCmd)
	register(newEraseCmd)
	register(func() *cobra.Command {
		return newStepCmd("unlock", "Remove readout protection (this mass-erases the chip), record the attempt",
			recipes.Step{Action: recipes.ActUnlock})
	})
	register(func() *cobra.Command {
		return newStepCmd("lock", "Turn readout protection on, reset, and prove it took; record the attempt",
			recipes.Step{Action: recipes.ActLock})
	})
	register(newResetCmd)
}

// runBench builds the recipe of a bench command and runs it on the board.
func runBench(cmd *cobra.Command, b *benchFlags, build func() (*recipes.Recipe, error)) error {
	if err := b.check(); err != nil {
		return err
	}
	r, err := build()
	if err != nil {
		return badInput(err)
	}
	if _, err := b.db(); err != nil {
		return err
	}
	bn, err := b.open(cmd.Context())
	if err != nil {
		return err
	}
	defer bn.Close()
	return bn.execute(cmd, r)
}

func newDownloadCmd() *cobra.Command {
	var (
		b             *benchFlags
		base          string
		verify, reset bool
		format        string
	)
	cmd := &cobra.Command{
		Use:   "download FILE --chip VARIANT [--base ADDR] [--verify] [--reset]",
		Short: "Program a firmware file (bin, hex, elf, uf2) without a recipe; the attempt is recorded like any other",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBench(cmd, b, func() (*recipes.Recipe, error) {
				v, err := b.variant()
				if err != nil {
					return nil, err
				}
				opts := firmware.Options{}
				if opts.Format, err = firmware.ParseFormat(format); err != nil {
					return nil, usageErrorf("--format: %w", err)
				}
				if base != "" {
					n, err := parseNumber("--base", base, math.MaxUint32)
					if err != nil {
						return nil, err
					}
					b32 := uint32(n)
					opts.Base = &b32
				} else if firmware.Detect(args[0], head(args[0])) == firmware.FormatBin && opts.Format == firmware.FormatAuto ||
					opts.Format == firmware.FormatBin {
					// A raw binary carries no address: it goes where
					// the chip's flash starts unless --base says otherwise.
					fb := v.Flash.Base
					opts.Base = &fb
				}
				img, err := firmware.Load(args[0], opts)
				if err != nil {
					return nil, err
				}
				steps := []recipes.Step{{Action: recipes.ActReadID}, {Action: recipes.ActProgram}}
				if verify {
					steps = append(steps, recipes.Step{Action: recipes.ActVerify})
				}
				if reset {
					steps = append(steps, recipes.Step{Action: recipes.ActReset})
				}
				return recipes.Bench("download "+filepath.Base(args[0]), v, args[0], img, steps)
			})
		},
	}
	b = addBenchFlags(cmd, true, true)
	cmd.Flags().StringVar(&base, "base", "", "where a raw binary starts (default: the chip's flash base); refused for hex, elf and uf2")
	cmd.Flags().StringVar(&format, "format", "", "bin, hex, elf or uf2 (default: detected)")
	cmd.Flags().BoolVar(&verify, "verify", false, "read the image back after programming")
	cmd.Flags().BoolVar(&reset, "reset", false, "reset the chip afterwards so the firmware runs")
	return cmd
}

func newEraseCmd() *cobra.Command {
	var b *benchFlags
	var mass bool
	cmd := &cobra.Command{
		Use:   "erase (--mass | ADDR LEN) --chip VARIANT",
		Short: "Mass-erase the chip, or erase whole erase units of a range; record the attempt",
		Args:  cobra.RangeArgs(0, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBench(cmd, b, func() (*recipes.Recipe, error) {
				v, err := b.variant()
				if err != nil {
					return nil, err
				}
				switch {
				case mass && len(args) == 0:
					return recipes.Bench("erase --mass", v, "", nil, []recipes.Step{{Action: recipes.ActReadID}, {Action: recipes.ActMassErase}})
				case !mass && len(args) == 2:
					addr, err := parseNumber("ADDR", args[0], math.MaxUint32)
					if err != nil {
						return nil, err
					}
					n, err := parseNumber("LEN", args[1], math.MaxUint32)
					if err != nil {
						return nil, err
					}
					if n == 0 {
						return nil, usageErrorf("LEN 0: nothing to erase")
					}
					return recipes.Bench(fmt.Sprintf("erase 0x%08X+0x%X", addr, n), v, "", nil,
						[]recipes.Step{{Action: recipes.ActReadID}, {Action: recipes.ActErase, Address: uint32(addr), Size: uint32(n)}})
				}
				return nil, usageErrorf("erase: give --mass, or ADDR LEN (whole erase units; `flashstation chips` lists them)")
			})
		},
	}
	b = addBenchFlags(cmd, true, true)
	cmd.Flags().BoolVar(&mass, "mass", false, "erase the whole flash")
	return cmd
}

func newResetCmd() *cobra.Command {
	var b *benchFlags
	var halt bool
	cmd := &cobra.Command{
		Use:   "reset --chip VARIANT [--halt]",
		Short: "Reset the chip (--halt: stop at the reset vector); record the attempt",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBench(cmd, b, func() (*recipes.Recipe, error) {
				v, err := b.variant()
				if err != nil {
					return nil, err
				}
				name := "reset"
				if halt {
					name = "reset --halt"
				}
				return recipes.Bench(name, v, "", nil, []recipes.Step{{Action: recipes.ActReset, Halt: halt}})
			})
		},
	}
	b = addBenchFlags(cmd, true, true)
	cmd.Flags().BoolVar(&halt, "halt", false, "stop the core at the reset vector instead of running the firmware")
	return cmd
}

// newStepCmd is a bench command of one step after read-id.
func newStepCmd(name, short string, step recipes.Step) *cobra.Command {
	var b *benchFlags
	cmd := &cobra.Command{
		Use:   name + " --chip VARIANT",
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBench(cmd, b, func() (*recipes.Recipe, error) {
				v, err := b.variant()
				if err != nil {
					return nil, err
				}
				return recipes.Bench(name, v, "", nil, []recipes.Step{{Action: recipes.ActReadID}, step})
			})
		},
	}
	b = addBenchFlags(cmd, true, true)
	return cmd
}

// head is the first 4 KiB of the file at path (nil when unreadable: Load
// then reports the file), for format detection.
func head(path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	buf := make([]byte, 4096)
	n, _ := io.ReadFull(f, buf)
	return buf[:n]
}
