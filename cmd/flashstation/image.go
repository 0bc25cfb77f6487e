package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/flashstation/flashstation/recipes/firmware"
	"github.com/spf13/cobra"
)

func init() { register(newImageCmd) }

func newImageCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Inspect firmware images (bin, Intel HEX, ELF, UF2)",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newImageInfoCmd())
	return cmd
}

// imageInfo is the JSON contract of `image info --json` (DESIGN.md, Output
// contracts): entry and family are null when the file has none.
type imageInfo struct {
	File     string        `json:"file"`
	Format   string        `json:"format"`
	Entry    *uint32       `json:"entry"`
	Segments []segmentInfo `json:"segments"`
	Size     int64         `json:"size"`
	SHA256   string        `json:"sha256"`
	Family   *uint32       `json:"family"`
}

type segmentInfo struct {
	Address uint32 `json:"address"`
	Size    int    `json:"size"`
}

func newImageInfoCmd() *cobra.Command {
	var (
		base, format string
		asJSON       bool
	)
	cmd := &cobra.Command{
		Use:   "info FILE",
		Short: "Show a firmware image's segments, size, entry point and sha256",
		Long: `Show a firmware image's segments, size, entry point, UF2 family and sha256.
The sha256 covers the bytes and their addresses only, so the same program gives
the same sha256 as .bin, .hex, .elf or .uf2. Raw binaries need --base.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var opts firmware.Options
			if cmd.Flags().Changed("base") {
				b, err := parseAddress(base)
				if err != nil {
					return usageErrorf("--base %q: %v", base, err)
				}
				opts.Base = &b
			}
			f, err := firmware.ParseFormat(format)
			if err != nil {
				return usageErrorf("--format %q: want bin, hex, elf, uf2 or auto", format)
			}
			opts.Format = f
			img, err := firmware.Load(args[0], opts)
			if err != nil {
				return badInput(err)
			}
			info := describeImage(args[0], img)
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), info)
			}
			return writeImageText(cmd.OutOrStdout(), info)
		},
	}
	cmd.Flags().StringVar(&base, "base", "", "load address of a raw binary (0x… hex or decimal)")
	cmd.Flags().StringVar(&format, "format", "auto", "file format: bin, hex, elf, uf2 or auto")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// parseAddress reads a 32-bit address as 0x-prefixed hex or plain decimal
// (no octal: a leading 0 is just a decimal digit).
func parseAddress(s string) (uint32, error) {
	digits, base := s, 10
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		digits, base = s[2:], 16
	}
	if digits == "" || strings.ContainsAny(digits, "+-_") {
		return 0, fmt.Errorf("want a 32-bit address, 0x… hex or decimal")
	}
	v, err := strconv.ParseUint(digits, base, 32)
	if err != nil {
		return 0, fmt.Errorf("want a 32-bit address, 0x… hex or decimal")
	}
	return uint32(v), nil
}

func describeImage(file string, img *firmware.Image) imageInfo {
	info := imageInfo{File: file, Format: string(img.Format), Entry: img.Entry, Family: img.Family,
		Size: img.Size, SHA256: hex.EncodeToString(img.SHA256[:]), Segments: []segmentInfo{}}
	for _, s := range img.Segments {
		info.Segments = append(info.Segments, segmentInfo{Address: s.Address, Size: len(s.Data)})
	}
	return info
}

func writeImageText(w io.Writer, info imageInfo) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "file\t%s\n", info.File)
	fmt.Fprintf(tw, "format\t%s\n", info.Format)
	fmt.Fprintf(tw, "entry\t%s\n", optHex(info.Entry))
	fmt.Fprintf(tw, "family\t%s\n", optHex(info.Family))
	fmt.Fprintf(tw, "size\t%s\n", sizeText(info.Size))
	fmt.Fprintf(tw, "sha256\t%s\n", info.SHA256)
	fmt.Fprintf(tw, "segments\t%d\n", len(info.Segments))
	if err := tw.Flush(); err != nil {
		return err
	}
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  ADDRESS\tEND\tSIZE\n")
	for _, s := range info.Segments {
		fmt.Fprintf(tw, "  0x%08X\t0x%08X\t%s\n", s.Address, uint64(s.Address)+uint64(s.Size), sizeText(int64(s.Size)))
	}
	return tw.Flush()
}

func optHex(v *uint32) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("0x%08X", *v)
}

// sizeText shows bytes and KiB: "220 bytes (0.21 KiB)".
func sizeText(n int64) string {
	return fmt.Sprintf("%d bytes (%.2f KiB)", n, float64(n)/1024)
}
