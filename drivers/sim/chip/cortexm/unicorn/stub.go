//go:build !cgo || nounicorn

package unicorn

import "errors"

// Available reports whether the package was built with libunicorn.
const Available = false

// ErrNotBuilt is what New returns in a build without libunicorn.
var ErrNotBuilt = errors.New("unicorn: built without the engine (CGO_ENABLED=0 or -tags nounicorn): install the Debian package libunicorn-dev (scripts/deps.sh) and rebuild with cgo, without the tag")

// Engine is absent in this build.
type Engine struct {
	Hz      uint32
	BusTime func(cycles uint64)
}

// New fails: this build has no engine.
func New(Model) (*Engine, error) { return nil, ErrNotBuilt }

func (e *Engine) Close()                                   {}
func (e *Engine) MapMemory(uint32, []byte, Bus) error      { return ErrNotBuilt }
func (e *Engine) MapMMIO(uint32, uint64, Bus) error        { return ErrNotBuilt }
func (e *Engine) SetTraps([]uint32) error                  { return ErrNotBuilt }
func (e *Engine) Regs() (Regs, error)                      { return Regs{}, ErrNotBuilt }
func (e *Engine) SetRegs(Regs) error                       { return ErrNotBuilt }
func (e *Engine) FlushCode(uint32, uint32) error           { return ErrNotBuilt }
func (e *Engine) FlushAllCode() error                      { return ErrNotBuilt }
func (e *Engine) Run(uint32, uint64, uint64) (Stop, error) { return Stop{}, ErrNotBuilt }

// Live is the number of engines open: none in this build.
func Live() int { return 0 }

func (e *Engine) Protect(uint32, uint32, bool) error { return ErrNotBuilt }
func (e *Engine) Stop()                              {}
