package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The README names the Go version go.mod asks for, and where to get it.
func TestReadmeGoVersion(t *testing.T) {
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if want := "needs Go " + string(m[1]) + " or newer"; !strings.Contains(string(readme), want) {
		t.Errorf("README does not say %q", want)
	}
	if !strings.Contains(string(readme), "https://go.dev/dl/") {
		t.Error("README does not say where to get Go")
	}
}
