package jobs

import (
	"os"
	"testing"
)

// benchDirs are big benchmark stores, removed when the test binary ends.
var benchDirs []string

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range benchDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}
