package deploy

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/flashstation/flashstation/fixtures"
	"github.com/flashstation/flashstation/recipes"
	"github.com/flashstation/flashstation/recipes/examples"
)

// TestExampleStationLoads reads station.example.toml the way the station
// does, with the shipped example recipes (and their firmware) beside it,
// so the example cannot drift from the schema or name a recipe that does
// not exist or does not validate.
func TestExampleStationLoads(t *testing.T) {
	dir := t.TempDir()
	if err := examples.Extract(filepath.Join(dir, "recipes")); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("station.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "station.toml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := fixtures.Load(path, func(p string) error {
		_, err := recipes.Load(p)
		return err
	})
	if err != nil {
		t.Fatalf("station.example.toml: %v", err)
	}
	if c.Database != "/var/lib/flashstation/attempts.db" {
		t.Errorf("database = %q: the systemd unit only lets the service write /var/lib/flashstation", c.Database)
	}
	if len(c.Pedals) != 1 || filepath.Dir(c.Pedals[0].Device) != "/dev/input" {
		t.Errorf("pedals = %+v: want the udev rules' /dev/input/flashstation-pedal-* link", c.Pedals)
	}
	if len(c.Slots) != 8 {
		t.Errorf("%d slots, want the 2x4 fixture the comments describe", len(c.Slots))
	}
}
