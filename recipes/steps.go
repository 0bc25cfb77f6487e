package recipes

import (
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/flashstation/flashstation/recipes/firmware"
	"github.com/flashstation/flashstation/targets/facts"
)

// fieldsFor lists the keys each action takes besides the common ones.
var fieldsFor = map[Action][]string{
	ActUnlock:    {"allow_erase", "if_locked"},
	ActMassErase: {"allow_erase"},
	ActErase:     {"allow_erase", "address", "size"},
	ActWrite:     {"address", "hex", "text", "serial"},
	ActReset:     {"halt"},
	ActProgram:   {"image"},
	ActVerify:    {"image"},
}

var commonFields = []string{"action", "timeout", "retries", "optional"}

func allStepFields() []string {
	all := slices.Clone(commonFields)
	for _, a := range Actions {
		for _, f := range fieldsFor[a] {
			if !slices.Contains(all, f) {
				all = append(all, f)
			}
		}
	}
	return all
}

func parseSteps(top *table, r *Recipe) {
	v, ok := top.get("step")
	if !ok {
		top.d.addf("step", "a recipe needs at least one [[step]]")
		return
	}
	list, isList := v.([]map[string]any)
	if !isList {
		top.d.addf("step", "must be written as [[step]] tables, not %s", tomlType(v))
		return
	}
	if len(list) > maxSteps {
		top.d.addf("step", "%d steps is more than %d", len(list), maxSteps)
		return
	}
	for i, m := range list {
		path := "step[" + strconv.Itoa(i) + "]"
		t := top.d.table(path, m)
		s := Step{Index: i}
		if at, ok := top.d.pos[path]; ok {
			s.Line = at.Line
		}
		a := Action(t.str("action", true))
		if a != "" && !slices.Contains(Actions, a) {
			names := make([]string, len(Actions))
			for i, a := range Actions {
				names[i] = string(a)
			}
			t.d.addf(path+".action", "unknown action %q: known %s", a, strings.Join(names, ", "))
			a = ""
		}
		s.Action = a
		s.Timeout = defaultTimeout[a]
		if d, ok := t.duration("timeout", maxTimeout); ok {
			s.Timeout = d
		}
		if n, ok := t.integer("retries", 0, maxRetries); ok {
			s.Retries = int(n)
		}
		s.Optional = t.boolean("optional")
		allowed := append(slices.Clone(commonFields), fieldsFor[a]...)
		parseStepFields(t, &s, allowed)
		if a == "" {
			// Unknown action: its other keys cannot be judged.
			for k := range m {
				t.used[k] = true
			}
		}
		t.done(allStepFields()...)
		r.Steps = append(r.Steps, s)
	}
}

// parseStepFields reads the action-specific keys the action allows; keys it
// does not allow are left for done() to report as not applying.
func parseStepFields(t *table, s *Step, allowed []string) {
	take := func(k string) bool { return slices.Contains(allowed, k) && t.has(k) }
	if take("allow_erase") {
		s.AllowErase = t.boolean("allow_erase")
	}
	if take("if_locked") {
		s.IfLocked = t.boolean("if_locked")
	}
	if take("halt") {
		s.Halt = t.boolean("halt")
	}
	if take("address") {
		s.Address, _ = t.address("address")
	}
	if take("image") {
		s.Image = t.str("image", false)
	}
	if take("size") {
		n, _ := t.integer("size", 1, 1<<32-1)
		s.Size = uint32(n)
	}
	if s.Action == ActErase && (!t.has("address") || !t.has("size")) {
		t.d.addf(t.path, "an erase step needs address and size")
	}
	if s.Action != ActWrite {
		return
	}
	given := 0
	if take("hex") {
		given++
		h := strings.ReplaceAll(t.str("hex", false), " ", "")
		b, err := hex.DecodeString(h)
		switch {
		case err != nil || len(b) == 0:
			t.d.addf(t.key("hex"), "must be hex digits, e.g. \"DEADBEEF\"")
		case len(b) > maxWrite:
			t.d.addf(t.key("hex"), "%d bytes is more than %d", len(b), maxWrite)
		}
		s.Data = b
	}
	if take("text") {
		given++
		s.Data = []byte(t.str("text", false))
		if len(s.Data) == 0 || len(s.Data) > maxWrite {
			t.d.addf(t.key("text"), "must hold 1 to %d bytes", maxWrite)
		}
	}
	if take("serial") {
		given++
		s.UseSerial = t.boolean("serial")
		if !s.UseSerial {
			t.d.addf(t.key("serial"), "write serial = true, or leave it out")
		}
	}
	if given != 1 {
		t.d.addf(t.path, "a write step needs exactly one of hex, text or serial = true")
	}
	if !s.UseSerial && !t.has("address") {
		t.d.addf(t.path, "a write step with hex or text needs an address")
	}
	if s.UseSerial && t.has("address") {
		t.d.addf(t.key("address"), "the serial goes where [serial] address says; leave address out")
	}
}

// checkOrder refuses step orders that cannot work.
func checkOrder(d *doc, r *Recipe) {
	programmed, locked, readID := -1, -1, -1
	programs := map[*Firmware]int{} // image -> the step that programs it
	unnamedProgram := false
	serialWrites := 0
	for _, s := range r.Steps {
		at := "step[" + strconv.Itoa(s.Index) + "]"
		switch s.Action {
		case ActReadID:
			if readID < 0 {
				readID = s.Index
			}
		}
		if s.IfLocked && readID < 0 {
			d.addf(at+".if_locked", "%s: if_locked needs a read-id step before it to know whether the chip is locked", s.Label())
		}
		switch s.Action {
		case ActUnlock, ActMassErase, ActErase:
			if !s.AllowErase {
				what := "erases flash"
				if s.Action == ActUnlock {
					what = "removes readout protection, which mass-erases the chip"
				}
				d.addf(at+".action", "%s %s: add allow_erase = true to say that is intended", s.Label(), what)
			}
			if s.Action != ActErase && programmed >= 0 {
				d.addf(at+".action", "%s would erase what step %d programmed", s.Label(), programmed+1)
			}
		case ActProgram:
			f, ok := stepImage(d, r, s)
			if !ok {
				// Which image it meant is unknown: later verifies are not judged.
				unnamedProgram = true
				break
			}
			if p, done := programs[f]; done {
				d.addf(at+".action", "%s: the %s is already programmed by step %d", s.Label(), imageWord(r, f), p+1)
			} else {
				programs[f] = s.Index
			}
			if programmed < 0 {
				programmed = s.Index
			}
		case ActVerify:
			f, ok := stepImage(d, r, s)
			if !ok {
				break
			}
			if _, done := programs[f]; !done && !unnamedProgram {
				if r.MultiImage() {
					d.addf(at+".action", "%s comes before the step that programs image %q: there is nothing to verify yet", s.Label(), f.Name)
				} else {
					d.addf(at+".action", "%s comes before any program step: there is nothing to verify yet", s.Label())
				}
			}
		case ActWrite:
			if s.UseSerial {
				serialWrites++
				if r.Serial == nil {
					d.addf(at+".serial", "%s writes the unit serial, but the recipe has no [serial] section", s.Label())
				}
			}
		case ActLock:
			locked = s.Index
		}
		if locked >= 0 && s.Index > locked {
			switch s.Action {
			case ActReset, ActReadID, ActLock:
			default:
				d.addf(at+".action", "%s comes after the lock in step %d: a locked chip refuses it", s.Label(), locked+1)
			}
		}
	}
	if r.Serial != nil && serialWrites == 0 {
		d.addf("serial", "the recipe defines [serial] but no step writes it (add a write step with serial = true)")
	}
}

// stepImage finds the image a program or verify step names. It reports
// false, having said why when the recipe could tell, when there is none.
func stepImage(d *doc, r *Recipe, s Step) (*Firmware, bool) {
	if len(r.Images) == 0 {
		return nil, false // no [firmware]: reported already
	}
	at := "step[" + strconv.Itoa(s.Index) + "]"
	if f := r.Image(s.Image); f != nil {
		return f, true
	}
	if s.Image == "" {
		d.addf(at+".action", "%s: the recipe has %d images; say which with image = (one of %s)", s.Label(), len(r.Images), imageNames(r))
	} else {
		d.addf(at+".image", "%s: the recipe has no image named %q (its images: %s)", s.Label(), s.Image, imageNames(r))
	}
	return nil, false
}

// formatOf is f, or the format of the file at path as Load would detect it.
func formatOf(path string, f firmware.Format) firmware.Format {
	if f != firmware.FormatAuto {
		return f
	}
	head := make([]byte, 4096)
	if fh, err := os.Open(path); err == nil {
		n, _ := io.ReadFull(fh, head)
		fh.Close()
		head = head[:n]
	}
	return firmware.Detect(path, head)
}

// checkPlacement refuses images and writes outside what the target can
// program, erases that are not whole erase units or clash with the image,
// and steps that erase or overwrite what an earlier write step wrote.
func checkPlacement(d *doc, r *Recipe) {
	v := r.Target.Facts
	for _, f := range r.Images {
		if f.Image == nil {
			continue
		}
		for _, seg := range f.Image.Segments {
			if _, ok := v.Programmable(seg.Address, uint64(len(seg.Data))); !ok {
				d.addf(f.At+".path", "the %s has %d bytes at 0x%08X..0x%08X, outside %s flash 0x%08X..0x%08X",
					strings.Replace(imageWord(r, f), "firmware", "image", 1), len(seg.Data), seg.Address, uint64(seg.Address)+uint64(len(seg.Data))-1,
					v.Part, v.Flash.Base, v.Flash.End()-1)
				break
			}
		}
	}
	// done lists the images programmed so far with the step that did it.
	type programmedImage struct {
		f    *Firmware
		step int
	}
	var done []programmedImage
	programmedOver := func(addr uint32, n uint64) (programmedImage, bool) {
		for _, p := range done {
			if overlapsImage(p.f.Image, addr, n) {
				return p, true
			}
		}
		return programmedImage{}, false
	}
	type span struct {
		lo, hi uint64
		step   int
	}
	var written []span // what write steps put in flash so far
	clobbers := func(lo, hi uint64) (span, bool) {
		for _, w := range written {
			if w.lo < hi && lo < w.hi {
				return w, true
			}
		}
		return span{}, false
	}
	erased := false
	for _, s := range r.Steps {
		at := "step[" + strconv.Itoa(s.Index) + "]"
		switch s.Action {
		case ActUnlock, ActMassErase:
			if w, ok := clobbers(uint64(v.Flash.Base), v.Flash.End()); ok {
				d.addf(at+".action", "%s erases what step %d wrote", s.Label(), w.step+1)
			}
			erased = erased || !s.IfLocked
		case ActProgram:
			f := r.Image(s.Image)
			if f == nil || f.Image == nil {
				break // reported already
			}
			if !erased {
				checkProgramErase(d, v, s, f, func(lo, hi uint64) string {
					if w, ok := clobbers(lo, hi); ok {
						return fmt.Sprintf("what step %d wrote: write after program", w.step+1)
					}
					if lo < hi && hi-lo <= 1<<32 {
						if p, ok := programmedOver(uint32(lo), hi-lo); ok && p.f != f {
							return fmt.Sprintf("the %s step %d programmed: keep images in separate erase units, or erase everything before both", imageWord(r, p.f), p.step+1)
						}
					}
					return ""
				})
			}
			done = append(done, programmedImage{f, s.Index})
		case ActErase:
			if isWholeExtra(v, s.Address, s.Size) {
				break
			}
			secs, err := v.SectorsCovering(s.Address, uint64(s.Size))
			switch {
			case err != nil:
				d.addf(at+".address", "%s: %v", s.Label(), strings.TrimPrefix(err.Error(), "facts: "))
				continue
			case secs[0].Addr != s.Address || uint64(secs[len(secs)-1].Addr)+uint64(secs[len(secs)-1].Size) != uint64(s.Address)+uint64(s.Size):
				last := secs[len(secs)-1]
				d.addf(at+".address", "%s: 0x%08X+0x%X is not whole erase units; the units covering it are 0x%08X..0x%08X",
					s.Label(), s.Address, s.Size, secs[0].Addr, uint64(last.Addr)+uint64(last.Size)-1)
				continue
			}
			if p, ok := programmedOver(s.Address, uint64(s.Size)); ok {
				d.addf(at+".address", "%s would erase part of the %s step %d programmed", s.Label(),
					strings.Replace(imageWord(r, p.f), "firmware", "image", 1), p.step+1)
			}
			if w, ok := clobbers(uint64(s.Address), uint64(s.Address)+uint64(s.Size)); ok {
				d.addf(at+".address", "%s erases what step %d wrote", s.Label(), w.step+1)
			}
		case ActWrite:
			addr, n := s.Address, uint64(len(s.Data))
			if s.UseSerial {
				if r.Serial == nil {
					continue // reported by checkOrder
				}
				addr, n = r.Serial.Address, uint64(serialWidth(r.Serial))
			}
			if n == 0 {
				continue // bad data: reported already
			}
			if _, ok := v.Programmable(addr, n); !ok {
				d.addf(at+".address", "%s writes 0x%08X..0x%08X, outside what %s can program", s.Label(), addr, uint64(addr)+n-1, v.Part)
				continue
			}
			if f := imageAt(r, addr, n); f != nil {
				d.addf(at+".address", "%s writes over bytes of the %s at 0x%08X: flash must be erased there", s.Label(),
					strings.Replace(imageWord(r, f), "firmware", "image", 1), addr)
			} else if w, ok := clobbers(uint64(addr), uint64(addr)+n); ok {
				d.addf(at+".address", "%s writes over bytes step %d wrote: flash must be erased there", s.Label(), w.step+1)
			}
			written = append(written, span{uint64(addr), uint64(addr) + n, s.Index})
		}
	}
}

// isWholeExtra: [addr, addr+size) is exactly one extra region (nRF52 UICR),
// which the target erases as a whole.
func isWholeExtra(v *facts.Variant, addr, size uint32) bool {
	for _, r := range v.Extra {
		if r.Base == addr && r.Size == size {
			return true
		}
	}
	return false
}

// checkProgramErase reports when the erase units program s erases before
// writing image f hold bytes an earlier step put there (lost names them).
func checkProgramErase(d *doc, v *facts.Variant, s Step, f *Firmware, lost func(lo, hi uint64) string) {
	at := "step[" + strconv.Itoa(s.Index) + "]"
	for _, seg := range f.Image.Segments {
		secs, err := v.SectorsCovering(seg.Address, uint64(len(seg.Data)))
		if err != nil || len(secs) == 0 {
			continue
		}
		lo, last := uint64(secs[0].Addr), secs[len(secs)-1]
		hi := uint64(last.Addr) + uint64(last.Size)
		if what := lost(lo, hi); what != "" {
			d.addf(at+".action", "%s erases the pages 0x%08X..0x%08X before programming, losing %s", s.Label(), lo, hi-1, what)
			return
		}
	}
}

// imageAt finds an image with bytes in [addr, addr+n).
func imageAt(r *Recipe, addr uint32, n uint64) *Firmware {
	for _, f := range r.Images {
		if f.Image != nil && overlapsImage(f.Image, addr, n) {
			return f
		}
	}
	return nil
}

func overlapsImage(img *firmware.Image, addr uint32, n uint64) bool {
	end := uint64(addr) + n
	for _, seg := range img.Segments {
		if uint64(seg.Address) < end && uint64(seg.Address)+uint64(len(seg.Data)) > uint64(addr) {
			return true
		}
	}
	return false
}

// serialWidth is how many bytes the serial occupies when written: the
// first number's text for ascii (the executor checks later numbers as it
// formats them), 4 bytes for u32le.
func serialWidth(s *Serial) int {
	if s.Encoding == "u32le" {
		return 4
	}
	return len(FormatSerial(s, s.First))
}

// FormatSerial renders unit number n as the recipe's serial text.
func FormatSerial(s *Serial, n uint64) string { return fmt.Sprintf(s.Format, n) }
