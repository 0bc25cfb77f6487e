package native

import (
	"context"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/access"
	"github.com/flashstation/flashstation/targets/facts"
)

func TestRegistry(t *testing.T) {
	open := func(context.Context, *access.Target, *facts.Variant) (targets.Session, error) { return nil, nil }
	Register("testfamily", open)
	if !strings.Contains(strings.Join(Families(), ","), "testfamily") {
		t.Fatalf("Families() = %v, missing testfamily", Families())
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("second Register of one family did not panic")
			}
		}()
		Register("testfamily", open)
	}()
	tests := []struct {
		name string
		v    *facts.Variant
		want string
	}{
		{"nil variant", nil, "no chip variant"},
		{"unknown family", &facts.Variant{Part: "XYZ1", Family: "xyz"}, `no native support for XYZ1 (family "xyz")`},
	}
	for _, tt := range tests {
		_, err := Open(context.Background(), nil, tt.v)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}
