package recipes

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/flashstation/flashstation/jobs"
	"github.com/flashstation/flashstation/recipes/firmware"
)

// maxImages bounds the [[image]] entries of one recipe: a bootloader, an
// application, a file system image and a few more; not hundreds.
const maxImages = 16

// parseImages reads the [[image]] entries: each a name steps refer to, a
// path, a sha256 pin and (for .bin) a base address.
func parseImages(top *table, r *Recipe) {
	v, _ := top.get("image")
	list, isList := v.([]map[string]any)
	if !isList {
		top.d.addf("image", "must be written as [[image]] tables, not %s", tomlType(v))
		return
	}
	if len(list) > maxImages {
		top.d.addf("image", "%d images is more than %d", len(list), maxImages)
		return
	}
	seen := map[string]string{} // name -> the path of the entry that has it
	for i, m := range list {
		at := "image[" + strconv.Itoa(i) + "]"
		t := top.d.table(at, m)
		f := &Firmware{At: at, Name: t.str("name", true)}
		switch first, dup := seen[f.Name]; {
		case f.Name == "":
		case !validImageName(f.Name):
			t.d.addf(t.key("name"), "%q: an image name is 1 to 32 letters, digits, '-' or '_'", f.Name)
		case dup:
			t.d.addf(t.key("name"), "%q is already the name of %s (line %d)", f.Name, first, top.d.pos[first].Line)
		default:
			seen[f.Name] = at
		}
		parseImageTable(t, r, f)
		t.done("name", "path", "format", "base", "sha256")
		r.Images = append(r.Images, f)
	}
}

func validImageName(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// imageNames lists the names for messages: `"boot", "app"`.
func imageNames(r *Recipe) string {
	names := make([]string, len(r.Images))
	for i, f := range r.Images {
		names[i] = strconv.Quote(f.Name)
	}
	return strings.Join(names, ", ")
}

// loadImages loads every image and checks it against its pin, then
// refuses images whose bytes overlap: programming one would overwrite
// the other.
func loadImages(d *doc, r *Recipe) {
	for _, f := range r.Images {
		if f.Path != "" {
			loadFirmware(d, r, f)
		}
	}
	for j, b := range r.Images {
		for _, a := range r.Images[:j] {
			if a.Image == nil || b.Image == nil {
				continue
			}
			if lo, hi, ok := overlap(a.Image, b.Image); ok {
				d.addf(b.At+".path", "image %q has bytes at 0x%08X..0x%08X, where image %q (line %d) has bytes too: images must not overlap",
					b.Name, lo, hi-1, a.Name, d.pos[a.At].Line)
				break
			}
		}
	}
}

// overlap finds the first address range both images have bytes in.
func overlap(a, b *firmware.Image) (lo, hi uint64, ok bool) {
	for _, s := range a.Segments {
		for _, t := range b.Segments {
			lo = max(uint64(s.Address), uint64(t.Address))
			hi = min(uint64(s.Address)+uint64(len(s.Data)), uint64(t.Address)+uint64(len(t.Data)))
			if lo < hi {
				return lo, hi, true
			}
		}
	}
	return 0, 0, false
}

// loadFirmware loads one image and checks it against its pin.
func loadFirmware(d *doc, r *Recipe, f *Firmware) {
	at := f.At
	// firmware.Load refuses what is not a regular file and files or images
	// beyond every target.
	if _, err := os.Stat(f.Path); err != nil {
		d.addf(at+".path", "%s: %v", f.Path, errors.Unwrap(err))
		return
	}
	if f.Base != nil {
		if ff := formatOf(f.Path, f.Format); ff != firmware.FormatBin {
			d.addf(at+".base", "applies only to raw binaries; %s is %s, which carries its own addresses", f.Path, ff)
			return
		}
	}
	img, err := firmware.Load(f.Path, firmware.Options{Base: f.Base, Format: f.Format})
	if err != nil {
		d.addf(at+".path", "%v", err)
		return
	}
	if v := r.Target.Facts; v != nil && img.Family != nil && v.UF2Family != 0 && *img.Family != v.UF2Family {
		d.addf(at+".path", "%s is a UF2 for family 0x%08X; %s takes family 0x%08X", f.Path, *img.Family, v.Part, v.UF2Family)
		return
	}
	if !f.pinned {
		return // the pin itself is missing or malformed: reported already
	}
	if img.SHA256 != f.SHA256 {
		d.addf(at+".sha256", "the %s's sha256 is %x, the recipe pins %x (check the file, then `flashstation image info %s`)",
			imageWord(r, f), img.SHA256, f.SHA256, f.Path)
		return
	}
	f.Image = img
}

// imageWord names an image in messages: "firmware" for a [firmware]
// recipe, `image "boot"` otherwise.
func imageWord(r *Recipe, f *Firmware) string {
	if f == &r.Firmware {
		return "firmware"
	}
	return "image " + strconv.Quote(f.Name)
}

// ImageSums is what the attempt record says about the recipe's images: a
// [firmware] recipe's pin as firmware_sha256 (as records always had it),
// or one name and sha256 per [[image]] entry.
func (r *Recipe) ImageSums() (firmwareSHA256 string, images []jobs.Image) {
	if !r.MultiImage() {
		return fmt.Sprintf("%x", r.Firmware.SHA256), nil
	}
	for _, f := range r.Images {
		images = append(images, jobs.Image{Name: f.Name, SHA256: fmt.Sprintf("%x", f.SHA256)})
	}
	return "", images
}
