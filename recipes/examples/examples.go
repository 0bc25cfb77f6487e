package examples

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

//go:embed *.toml firmware
var files embed.FS

// FS is the examples as files: the recipes at the top, firmware/ below.
func FS() fs.FS { return files }

// Names lists the example recipe file names.
func Names() []string {
	var out []string
	for _, ex := range examples {
		out = append(out, ex.recipe)
	}
	return out
}

// ForChip names the example recipe for a simulated chip name
// ("stm32f103c8", "stm32f411ce", "nrf52840", "rp2040", ...), relative to the
// folder Extract wrote.
func ForChip(chip string) (string, error) {
	var known []string
	for _, ex := range examples {
		if slices.Contains(ex.chips, strings.ToLower(chip)) {
			return ex.recipe, nil
		}
		known = append(known, ex.chips...)
	}
	return "", fmt.Errorf("examples: no example recipe for chip %q (have %s)", chip, strings.Join(known, ", "))
}

// Extract writes the embedded examples into dir (created if missing), so
// recipes.Load can read them with their firmware beside them.
func Extract(dir string) error {
	return fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(path))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		data, err := files.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
}
