package recipes

import (
	"strconv"
	"time"

	"github.com/flashstation/flashstation/recipes/firmware"
	"github.com/flashstation/flashstation/targets/facts"
)

// Action is what a step does.
type Action string

const (
	ActReadID    Action = "read-id"
	ActUnlock    Action = "unlock"
	ActMassErase Action = "mass-erase"
	ActErase     Action = "erase"
	ActProgram   Action = "program"
	ActVerify    Action = "verify"
	ActWrite     Action = "write"
	ActLock      Action = "lock"
	ActReset     Action = "reset"
)

// Actions lists every action in the order messages name them.
var Actions = []Action{ActReadID, ActUnlock, ActMassErase, ActErase, ActProgram, ActVerify, ActWrite, ActLock, ActReset}

// defaultTimeout per action: generous next to the datasheets' worst cases
// (an F411 mass erase takes up to 8 s, a W25Q16JV chip erase up to 25 s;
// programming 2 MiB over a slow probe takes minutes).
var defaultTimeout = map[Action]time.Duration{
	ActReadID: 10 * time.Second, ActUnlock: 90 * time.Second, ActMassErase: 90 * time.Second,
	ActErase: 120 * time.Second, ActProgram: 10 * time.Minute, ActVerify: 5 * time.Minute,
	ActWrite: 10 * time.Second, ActLock: 30 * time.Second, ActReset: 10 * time.Second,
}

// Recipe is a validated recipe, ready to run.
type Recipe struct {
	File        string // as given
	Name        string
	Description string
	SHA256      [32]byte // of the recipe file's bytes
	Target      Target
	// Firmware is the one image of a recipe written with [firmware] (its
	// Name is "firmware"); zero when the recipe lists [[image]] entries.
	Firmware Firmware
	// Images lists every image the recipe programs, in file order: the
	// [[image]] entries, or &Firmware alone. Program and verify steps name
	// one (Step.Image).
	Images []*Firmware
	Serial *Serial // nil: no per-unit serial numbers
	Steps  []Step
}

// Target names the chip the recipe is for.
type Target struct {
	Family  string
	Variant string
	Facts   *facts.Variant
}

// Firmware is one image the recipe programs.
type Firmware struct {
	// Name is what steps call the image: an [[image]] entry's name, or
	// "firmware" for a [firmware] table.
	Name string
	// At is the key path of its table ("firmware", "image[1]") for messages.
	At     string
	Path   string // resolved against the recipe's folder
	Format firmware.Format
	Base   *uint32
	// SHA256 is the pin: the image's canonical sha256 as `flashstation
	// image info` prints it (the same for every file format).
	SHA256 [32]byte
	Image  *firmware.Image
	pinned bool // sha256 was present and well-formed
}

// Image finds an image by the name a step gives ("" when the recipe has
// exactly one image).
func (r *Recipe) Image(name string) *Firmware {
	if name == "" && len(r.Images) == 1 {
		return r.Images[0]
	}
	for _, f := range r.Images {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// MultiImage reports whether the recipe lists [[image]] entries.
func (r *Recipe) MultiImage() bool { return len(r.Images) > 0 && r.Images[0] != &r.Firmware }

// Serial describes per-unit serial numbers.
type Serial struct {
	// Format is a Go format with one integer verb, e.g. "BP-%06d".
	Format string
	// Series names the number sequence in the store; recipes sharing a
	// series share numbers. Defaults to the recipe name.
	Series string
	First  uint64
	// Address where the write step puts the formatted serial.
	Address uint32
	// Encoding: "ascii" (the formatted text) or "u32le" (the number as a
	// little-endian word, as nRF52 UICR CUSTOMER words hold it).
	Encoding string
}

// Step is one step of a recipe.
type Step struct {
	Index    int // 0-based
	Line     int // where its [[step]] header is
	Action   Action
	Timeout  time.Duration
	Retries  int
	Optional bool // a failure is recorded but does not stop the attempt
	// AllowErase is the explicit permission destructive steps need.
	AllowErase bool
	// IfLocked, on unlock: only when an earlier read-id found readout
	// protection on; otherwise the step passes without touching the chip.
	IfLocked bool
	// erase and write: where.
	Address uint32
	Size    uint32
	// write: what (Data, or the unit serial when UseSerial).
	Data      []byte
	UseSerial bool
	// reset: stop at the reset vector instead of running the firmware.
	Halt bool
	// program and verify: the name of the image (an [[image]] entry's
	// name); "" in a recipe with one image.
	Image string
}

// Label names the step in messages: "step 3 (verify)".
func (s Step) Label() string {
	return "step " + strconv.Itoa(s.Index+1) + " (" + string(s.Action) + ")"
}
