package recipes

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/flashstation/flashstation/recipes/tomlpos"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/flashstation/flashstation/recipes/firmware"
	"github.com/flashstation/flashstation/targets/facts"
)

const (
	maxRetries = 10
	maxTimeout = time.Hour
	maxSteps   = 64
	maxWrite   = 4096 // bytes a write step may carry
)

// Load reads, validates and prepares the recipe at path, loading and
// checking its firmware. Every problem found is reported, as Problems.
func Load(path string) (*Recipe, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Problems{{File: path, Msg: fmt.Sprintf("cannot read the recipe: %v", errors.Unwrap(err))}}
	}
	return Parse(path, data)
}

// Parse validates a recipe read from file (whose folder anchors the
// firmware path).
func Parse(file string, data []byte) (*Recipe, error) {
	d := &doc{file: file}
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, Problems{{File: file, Line: pe.Position.Line, Col: pe.Position.Col, Msg: "TOML syntax: " + pe.Message}}
		}
		return nil, Problems{{File: file, Msg: "TOML: " + err.Error()}}
	}
	d.pos = tomlpos.Keys(string(data))
	r := &Recipe{File: file, SHA256: sha256.Sum256(data)}
	top := d.table("", raw)
	r.Name = top.str("name", false)
	if r.Name == "" {
		r.Name = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	}
	r.Description = top.str("description", false)
	parseTarget(top, r)
	parseFirmware(top, r)
	parseSerial(top, r)
	parseSteps(top, r)
	top.done("name", "description", "target", "firmware", "serial", "step")
	checkOrder(d, r)
	loadImages(d, r)
	if r.Target.Facts != nil {
		checkPlacement(d, r)
	}
	if len(d.problems) > 0 {
		d.problems.SortByLine()
		return nil, d.problems
	}
	return r, nil
}

func parseTarget(top *table, r *Recipe) {
	t, ok := top.subtable("target")
	if !ok {
		if !top.has("target") {
			top.d.addf("target", "is required: [target] with family and variant")
		}
		return
	}
	r.Target.Family = t.str("family", true)
	r.Target.Variant = t.str("variant", true)
	t.done("family", "variant")
	if r.Target.Variant == "" {
		return
	}
	v, err := facts.Lookup(r.Target.Variant)
	if err != nil {
		t.d.addf("target.variant", "%v", err)
		return
	}
	if r.Target.Family != "" && v.Family != r.Target.Family {
		t.d.addf("target.family", "%q does not match variant %s, which is family %q (known families: %s)",
			r.Target.Family, v.Name, v.Family, strings.Join(facts.Families(), ", "))
		return
	}
	r.Target.Facts = v
}

func parseFirmware(top *table, r *Recipe) {
	if top.has("image") {
		if top.has("firmware") {
			top.get("firmware")
			top.d.addf("firmware", "a recipe takes either one [firmware] or [[image]] entries, not both")
			return
		}
		parseImages(top, r)
		return
	}
	t, ok := top.subtable("firmware")
	if !ok {
		if !top.has("firmware") {
			top.d.addf("firmware", "is required: [firmware] with path and sha256 (or [[image]] entries, each with a name)")
		}
		return
	}
	r.Firmware.Name, r.Firmware.At = "firmware", "firmware"
	parseImageTable(t, r, &r.Firmware)
	t.done("path", "format", "base", "sha256")
	r.Images = []*Firmware{&r.Firmware}
}

// parseImageTable reads path, format, base and the sha256 pin of one image.
func parseImageTable(t *table, r *Recipe, f *Firmware) {
	path := t.str("path", true)
	if path != "" {
		if !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(r.File), path)
		}
		f.Path = path
	}
	if s := t.str("format", false); s != "" {
		format, err := firmware.ParseFormat(s)
		if err != nil {
			t.d.addf(t.key("format"), "%q is not a format: want bin, hex, elf or uf2", s)
		}
		f.Format = format
	}
	if b, ok := t.address("base"); ok {
		f.Base = &b
	}
	pin := t.str("sha256", true)
	if pin == "" {
		return
	}
	sum, err := hex.DecodeString(pin)
	if err != nil || len(sum) != 32 {
		t.d.addf(t.key("sha256"), "must be 64 hex digits (as `flashstation image info` prints it)")
		return
	}
	copy(f.SHA256[:], sum)
	f.pinned = true
}

func parseSerial(top *table, r *Recipe) {
	t, ok := top.subtable("serial")
	if !ok {
		return
	}
	defer t.done("format", "series", "first", "address", "encoding")
	s := &Serial{Format: t.str("format", true), Series: t.str("series", false), Encoding: t.str("encoding", false)}
	if s.Series == "" {
		s.Series = r.Name
	}
	if s.Encoding == "" {
		s.Encoding = "ascii"
	}
	if s.Encoding != "ascii" && s.Encoding != "u32le" {
		t.d.addf("serial.encoding", "%q: want \"ascii\" or \"u32le\"", s.Encoding)
	}
	first, _ := t.integer("first", 0, 1<<53)
	s.First = uint64(first)
	if s.Encoding == "u32le" && s.First > math.MaxUint32 {
		t.d.addf("serial.first", "%d does not fit the 32-bit word u32le writes", s.First)
	}
	if len(s.Series) > 64 || strings.IndexByte(s.Series, 0) >= 0 {
		t.d.addf("serial.series", "%q: a series name is 1 to 64 bytes, without NUL", s.Series)
	}
	addr, ok := t.address("address")
	if !ok && !t.has("address") {
		t.d.addf("serial.address", "is required: where the write step puts the serial")
	}
	s.Address = addr
	if s.Format != "" {
		if err := checkSerialFormat(s.Format); err != nil {
			t.d.addf("serial.format", "%v", err)
		}
	}
	r.Serial = s
}

// checkSerialFormat allows exactly one integer verb (%d, %x, %X with an
// optional zero flag and width) and nothing else that fmt would interpret.
func checkSerialFormat(f string) error {
	verbs := 0
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		j := i + 1
		if j < len(f) && f[j] == '%' {
			i = j
			continue
		}
		if j < len(f) && f[j] == '0' {
			j++
		}
		for j < len(f) && f[j] >= '0' && f[j] <= '9' {
			j++
		}
		if j >= len(f) || !strings.ContainsRune("dxX", rune(f[j])) {
			return fmt.Errorf("%q: only %%d, %%x or %%X (with an optional width such as %%06d) may appear", f)
		}
		if j-i > 4 {
			return fmt.Errorf("%q: the width is too large", f)
		}
		verbs++
		i = j
	}
	if verbs != 1 {
		return fmt.Errorf("%q must hold exactly one number verb such as %%06d, it has %d", f, verbs)
	}
	if len(f) > 64 {
		return fmt.Errorf("%q is longer than 64 characters", f)
	}
	return nil
}
