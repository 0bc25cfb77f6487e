// Command mkuf2 converts a firmware image to UF2 with firmware.EncodeUF2; the
// fixture script uses it because no UF2 tool ships with the ARM toolchain.
//
//	go run ./recipes/firmware/testdata/mkuf2 -family 0x57755A57 -payload 256 in.elf out.uf2
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"

	"github.com/flashstation/flashstation/recipes/firmware"
)

func main() {
	family := flag.String("family", "0", "UF2 family id (0: none)")
	payload := flag.Int("payload", 256, "payload bytes per block")
	flag.Parse()
	if err := run(*family, *payload, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "mkuf2:", err)
		os.Exit(1)
	}
}

func run(family string, payload int, args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: mkuf2 [-family ID] [-payload N] IN OUT")
	}
	fam, err := strconv.ParseUint(family, 0, 32)
	if err != nil {
		return fmt.Errorf("-family: %w", err)
	}
	img, err := firmware.Load(args[0], firmware.Options{})
	if err != nil {
		return err
	}
	out, err := firmware.EncodeUF2(img, uint32(fam), payload)
	if err != nil {
		return err
	}
	return os.WriteFile(args[1], out, 0o644)
}
