package discover

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/flashstation/flashstation/drivers/link"
)

// Scan lists the supported probes on bus, in port order. Probes whose serial
// is missing or shared get a note telling the user to select them by port.
func Scan(ctx context.Context, bus link.Bus) ([]Found, error) {
	devs, err := bus.Devices(ctx)
	if err != nil {
		return nil, fmt.Errorf("discover: list USB devices: %w", err)
	}
	var out []Found
	for _, d := range devs {
		if f, ok := Classify(d); ok {
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b Found) int { return strings.Compare(a.Device.Port, b.Device.Port) })
	bySerial := map[string][]int{}
	for i, f := range out {
		if f.Serial == "" {
			out[i].Notes = append(out[i].Notes, "no serial number: select this probe by its port "+f.Device.Port)
			continue
		}
		key := strings.ToUpper(f.Serial)
		bySerial[key] = append(bySerial[key], i)
	}
	for _, idx := range bySerial {
		if len(idx) < 2 {
			continue
		}
		for _, i := range idx {
			var others []string
			for _, j := range idx {
				if j != i {
					others = append(others, out[j].Device.Port)
				}
			}
			out[i].Notes = append(out[i].Notes, fmt.Sprintf("serial %s is shared with the probe at %s: select by port %s",
				out[i].Serial, strings.Join(others, ", "), out[i].Device.Port))
		}
	}
	return out, nil
}

// Select finds the one probe sel picks. It fails when none or several
// match, naming what was found, and when the one found is not usable.
func Select(found []Found, sel Selector) (Found, error) {
	var hits []Found
	for _, f := range found {
		if sel.Match(f) {
			hits = append(hits, f)
		}
	}
	switch len(hits) {
	case 0:
		var have []string
		for _, f := range found {
			have = append(have, describe(f))
		}
		if len(have) == 0 {
			return Found{}, fmt.Errorf("discover: no probe matches %s: no probes are attached", sel)
		}
		return Found{}, fmt.Errorf("discover: no probe matches %s; attached: %s", sel, strings.Join(have, "; "))
	case 1:
		if !hits[0].Usable {
			return hits[0], fmt.Errorf("discover: probe %s cannot be used: %s", describe(hits[0]), strings.Join(hits[0].Notes, "; "))
		}
		return hits[0], nil
	}
	var ports []string
	for _, f := range hits {
		ports = append(ports, f.Device.Port)
	}
	return Found{}, fmt.Errorf("discover: %d probes match %s (at %s): select one by port", len(hits), sel, strings.Join(ports, ", "))
}

func describe(f Found) string {
	s := string(f.Kind) + " " + f.Device.Port
	if f.Serial != "" {
		s += " serial " + f.Serial
	}
	return s
}
