package native

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/access"
	"github.com/flashstation/flashstation/targets/facts"
)

// OpenFunc builds a family's session over a connected target. On success
// the session owns t (its Close disconnects); on failure the caller
// disconnects.
type OpenFunc func(ctx context.Context, t *access.Target, v *facts.Variant) (targets.Session, error)

var (
	mu       sync.RWMutex
	registry = map[string]OpenFunc{}
	// connect options per family, for families that need more than a
	// plain SWD connect (multidrop TARGETSEL, connect under reset).
	connectOpts = map[string]func(v *facts.Variant) access.ConnectOptions{}
)

// Register makes family openable. It panics on a second registration of
// the same family: two packages claiming one family is a build mistake.
func Register(family string, open OpenFunc) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := registry[family]; dup {
		panic(fmt.Sprintf("native: family %q registered twice", family))
	}
	registry[family] = open
}

// RegisterConnect sets how family connects (e.g. RP2040's TARGETSEL).
// Without it Open connects over SWD at the probe's default clock.
func RegisterConnect(family string, opts func(v *facts.Variant) access.ConnectOptions) {
	mu.Lock()
	defer mu.Unlock()
	connectOpts[family] = opts
}

// Families lists the registered families, sorted.
func Families() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(registry))
	for f := range registry {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

// Options tune Open.
type Options struct {
	// ClockHz is the SWD clock; 0 leaves the probe's default.
	ClockHz uint32
}

// Open connects to the board behind p and returns v's family session. The
// probe stays the caller's: Session.Close disconnects but does not close
// it.
func Open(ctx context.Context, p drivers.Probe, v *facts.Variant) (targets.Session, error) {
	return OpenWith(ctx, p, v, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, p drivers.Probe, v *facts.Variant, o Options) (targets.Session, error) {
	if v == nil {
		return nil, fmt.Errorf("native: no chip variant given")
	}
	mu.RLock()
	open, ok := registry[v.Family]
	co := connectOpts[v.Family]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("native: no native support for %s (family %q); supported families: %s",
			v.Part, v.Family, strings.Join(Families(), ", "))
	}
	var opts access.ConnectOptions
	if co != nil {
		opts = co(v)
	}
	if o.ClockHz != 0 {
		opts.Probe.ClockHz = o.ClockHz
	}
	t, err := access.Connect(ctx, p, opts)
	if err != nil {
		return nil, fmt.Errorf("native: %s: %w", v.Part, err)
	}
	s, err := open(ctx, t, v)
	if err != nil {
		t.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("native: %s: %w", v.Part, err)
	}
	return s, nil
}

// ConnectOptionsFor is how Open connects to v's family (for example the
// multidrop TARGETSEL RP2040 needs), before any --speed.
func ConnectOptionsFor(v *facts.Variant) access.ConnectOptions {
	mu.RLock()
	co := connectOpts[v.Family]
	mu.RUnlock()
	if co == nil {
		return access.ConnectOptions{}
	}
	return co(v)
}
