package recipes

import (
	"crypto/sha256"
	"fmt"
	"strings"

	"github.com/flashstation/flashstation/recipes/firmware"
	"github.com/flashstation/flashstation/targets/facts"
)

// Bench builds the recipe a bench command runs (`flashstation download`,
// `erase`, `unlock`, ...) without a recipe file, so the command goes
// through the same executor and record as a recipe does, and is checked
// the same way: step order, an image inside the target's flash, erases of
// whole erase units. name stands for the file in messages and is the
// recipe name in the record; fwPath names the image's file (img may be
// nil when no step programs or verifies). The command line is the
// permission destructive steps need, so AllowErase is set on them. The
// recipe's sha256 is over a canonical description of target and steps,
// so two identical commands record the same recipe hash.
func Bench(name string, v *facts.Variant, fwPath string, img *firmware.Image, steps []Step) (*Recipe, error) {
	d := &doc{file: name}
	r := &Recipe{File: name, Name: name, Target: Target{Family: v.Family, Variant: v.Name, Facts: v}}
	if img != nil {
		r.Firmware = Firmware{Name: "firmware", At: "firmware", Path: fwPath, SHA256: img.SHA256, Image: img}
		r.Images = []*Firmware{&r.Firmware}
		if img.Family != nil && v.UF2Family != 0 && *img.Family != v.UF2Family {
			d.addf("firmware", "%s is a UF2 for family 0x%08X; %s takes family 0x%08X", fwPath, *img.Family, v.Part, v.UF2Family)
		}
	}
	var desc strings.Builder
	fmt.Fprintf(&desc, "bench %s target %s firmware %x\n", name, v.Name, r.Firmware.SHA256)
	for i := range steps {
		s := &steps[i]
		s.Index = i
		if s.Timeout == 0 {
			s.Timeout = defaultTimeout[s.Action]
		}
		switch s.Action {
		case ActUnlock, ActMassErase, ActErase:
			s.AllowErase = true
		case ActProgram, ActVerify:
			if img == nil {
				d.addf(fmt.Sprintf("step[%d]", i), "%s needs a firmware image", s.Label())
			}
		case ActWrite:
			if s.UseSerial {
				d.addf(fmt.Sprintf("step[%d]", i), "%s: a bench command has no serial series", s.Label())
			}
		}
		fmt.Fprintf(&desc, "%s halt=%t address=%#x size=%#x data=%x timeout=%s retries=%d\n",
			s.Action, s.Halt, s.Address, s.Size, s.Data, s.Timeout, s.Retries)
	}
	r.Steps = steps
	if len(steps) == 0 {
		d.addf("step", "a bench command needs at least one step")
	}
	checkOrder(d, r)
	checkPlacement(d, r)
	if len(d.problems) > 0 {
		return nil, d.problems
	}
	r.SHA256 = sha256.Sum256([]byte(desc.String()))
	return r, nil
}
