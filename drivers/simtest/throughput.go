package simtest

import (
	"context"
	"time"

	"github.com/flashstation/flashstation/drivers/arm"
	"github.com/flashstation/flashstation/drivers/stlink"
)

// Figure is one RAM write-and-read measurement in modeled time, with the
// link's ceiling for the same bytes.
type Figure struct {
	arm.RAMResult
	ClockHz uint32        // SWD clock the probe settled on
	Ceiling time.Duration // Ceiling(kind, Bytes, ClockHz), each way
}

// WriteShare and ReadShare are the ceiling as a fraction of the time
// taken (1 = the link's limit).
func (f Figure) WriteShare() float64 { return share(f.Ceiling, f.Write) }
func (f Figure) ReadShare() float64  { return share(f.Ceiling, f.Read) }

func share(ceiling, took time.Duration) float64 {
	if took <= 0 {
		return 0
	}
	return float64(ceiling) / float64(took)
}

// RAM opens slot 0 of spec, connects at hz (to targetSel's DP when not
// nil) and times a write and read-back of size bytes at addr
// (arm.RAMThroughput). Opening and connecting are not timed.
func RAM(ctx context.Context, spec string, targetSel *uint32, addr uint32, size int, hz uint32) (Figure, error) {
	r, err := Open(ctx, spec, Options{})
	if err != nil {
		return Figure{}, err
	}
	defer r.Close()
	mem, err := r.Memory(ctx, hz, targetSel)
	if err != nil {
		return Figure{}, err
	}
	res, err := arm.RAMThroughput(ctx, r.Link, mem, addr, size)
	if err != nil {
		return Figure{}, err
	}
	f := Figure{RAMResult: res, ClockHz: hz}
	if st, ok := r.Probe.(*stlink.Probe); ok {
		f.ClockHz = st.ClockKHz() * 1000 // V3 has no 4 MHz: it settles on 3.3
	}
	f.Ceiling = Ceiling(r.Found.Kind, size, f.ClockHz)
	return f, nil
}
