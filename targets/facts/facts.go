package facts

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
)

//go:embed chips.toml
var chipsTOML string

// Region is a span of the address space.
type Region struct {
	Base uint32 `toml:"base"`
	Size uint32 `toml:"size"`
}

// End is one past the last address.
func (r Region) End() uint64 { return uint64(r.Base) + uint64(r.Size) }

// Contains reports whether [addr, addr+n) lies inside r.
func (r Region) Contains(addr uint32, n uint64) bool {
	return addr >= r.Base && uint64(addr)+n <= r.End()
}

// EraseRun is count erase units of one size, in address order.
type EraseRun struct {
	Size  uint32 `toml:"size"`
	Count int    `toml:"count"`
}

// Variant is one chip as the target families see it.
type Variant struct {
	Name         string     `toml:"name"`
	Family       string     `toml:"family"`
	Part         string     `toml:"part"`
	DevID        uint32     `toml:"dev_id"`
	Flash        Region     `toml:"flash"`
	RAM          Region     `toml:"ram"`
	Erase        []EraseRun `toml:"erase"`
	ProgramUnit  uint32     `toml:"program_unit"`
	FlashSizeReg uint32     `toml:"flash_size_reg"`
	UIDReg       uint32     `toml:"uid_reg"`
	IDReg        uint32     `toml:"id_reg"`
	DPIDR        uint32     `toml:"dpidr"`
	// UF2Family is the family id UF2 files for this chip carry
	// (Microsoft uf2, uf2families.json); 0 when none is assigned.
	UF2Family uint32 `toml:"uf2_family"`
	// Extra lists other regions programmed like flash (nRF52 UICR).
	Extra []NamedRegion `toml:"extra"`
}

// NamedRegion is a region with a name for messages.
type NamedRegion struct {
	Name string `toml:"name"`
	Region
}

// Programmable reports whether [addr, addr+n) lies in flash or in one of the
// extra programmable regions, and names the region.
func (v *Variant) Programmable(addr uint32, n uint64) (string, bool) {
	if v.Flash.Contains(addr, n) {
		return "flash", true
	}
	for _, r := range v.Extra {
		if r.Contains(addr, n) {
			return r.Name, true
		}
	}
	return "", false
}

// Sector is one erase unit.
type Sector struct {
	Index int
	Addr  uint32
	Size  uint32
}

// Sectors lists the erase units in address order.
func (v *Variant) Sectors() []Sector {
	var out []Sector
	addr := v.Flash.Base
	for _, run := range v.Erase {
		for range run.Count {
			out = append(out, Sector{Index: len(out), Addr: addr, Size: run.Size})
			addr += run.Size
		}
	}
	return out
}

// SectorsCovering lists the erase units that [addr, addr+n) touches. It
// fails when the range leaves flash.
func (v *Variant) SectorsCovering(addr uint32, n uint64) ([]Sector, error) {
	if n == 0 {
		return nil, nil
	}
	if !v.Flash.Contains(addr, n) {
		return nil, fmt.Errorf("facts: 0x%08X..0x%08X is outside %s flash 0x%08X..0x%08X",
			addr, uint64(addr)+n-1, v.Part, v.Flash.Base, v.Flash.End()-1)
	}
	var out []Sector
	end := uint64(addr) + n
	for _, s := range v.Sectors() {
		if uint64(s.Addr) < end && uint64(s.Addr)+uint64(s.Size) > uint64(addr) {
			out = append(out, s)
		}
	}
	return out, nil
}

type file struct {
	Variant []Variant `toml:"variant"`
}

var (
	loadOnce sync.Once
	variants []Variant
	loadErr  error
)

func load() {
	var f file
	md, err := toml.Decode(chipsTOML, &f)
	if err != nil {
		loadErr = fmt.Errorf("facts: chips.toml: %w", err)
		return
	}
	if und := md.Undecoded(); len(und) > 0 {
		loadErr = fmt.Errorf("facts: chips.toml: unknown keys %v", und)
		return
	}
	for i := range f.Variant {
		if err := f.Variant[i].check(); err != nil {
			loadErr = err
			return
		}
	}
	variants = f.Variant
}

// All returns every known variant. It panics only if the embedded data is
// broken, which facts_test.go rules out.
func All() []Variant {
	loadOnce.Do(load)
	if loadErr != nil {
		panic(loadErr)
	}
	return slices.Clone(variants)
}

// Lookup finds a variant by name (case-insensitive).
func Lookup(name string) (*Variant, error) {
	var names []string
	for _, v := range All() {
		if strings.EqualFold(v.Name, name) {
			return &v, nil
		}
		names = append(names, v.Name)
	}
	return nil, fmt.Errorf("unknown chip variant %q: known %s", name, strings.Join(names, ", "))
}

// Families lists the family names in the data.
func Families() []string {
	var out []string
	for _, v := range All() {
		if !slices.Contains(out, v.Family) {
			out = append(out, v.Family)
		}
	}
	return out
}

func (v *Variant) check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("facts: variant %q: %s", v.Name, fmt.Sprintf(format, args...))
	}
	switch {
	case v.Name == "" || v.Family == "" || v.Part == "":
		return bad("name, family and part are required")
	case v.Flash.Size == 0 || v.RAM.Size == 0:
		return bad("flash and ram sizes are required")
	case v.Flash.End() > 1<<32 || v.RAM.End() > 1<<32:
		return bad("a region passes the end of the address space")
	case v.Flash.Base < uint32(v.RAM.End()) && v.RAM.Base < uint32(v.Flash.End()):
		return bad("flash and ram overlap")
	case v.ProgramUnit == 0 || v.ProgramUnit&(v.ProgramUnit-1) != 0:
		return bad("program_unit %d is not a power of two", v.ProgramUnit)
	case v.DPIDR == 0 || v.DevID == 0:
		return bad("dpidr and dev_id are required")
	}
	var total uint64
	for _, r := range v.Erase {
		if r.Size == 0 || r.Count <= 0 || r.Size%v.ProgramUnit != 0 {
			return bad("erase run %+v is empty or not a multiple of the program unit", r)
		}
		total += uint64(r.Size) * uint64(r.Count)
	}
	if total != uint64(v.Flash.Size) {
		return bad("erase map covers %d bytes, flash is %d", total, v.Flash.Size)
	}
	return nil
}
