package tomlpos

import "testing"

func TestKeys(t *testing.T) {
	text := "a = 1 # c\n[t]\n  \"quoted.key\" = \"x # not a comment\"\nml = \"\"\"\nb = 2\n\"\"\"\narr = [\n  1,\n]\n[[s]]\nk = 1\n[[s]]\nk = 2\n"
	pos := Keys(text)
	for path, line := range map[string]int{"a": 1, "t": 2, "t.quoted.key": 3, "t.ml": 4, "t.arr": 7, "s[0]": 10, "s[0].k": 11, "s[1].k": 13} {
		if pos[path].Line != line {
			t.Errorf("%s at line %d, want %d", path, pos[path].Line, line)
		}
	}
	if _, ok := pos["t.b"]; ok {
		t.Error("a key inside a multi-line string was indexed")
	}
}

func FuzzKeys(f *testing.F) {
	f.Add("a = 1\n[t]\nb = \"x\" # c\n[[s]]\nk = [\n1,\n]\n")
	f.Add("x = \"\"\"\n[y]\n\"\"\"\n")
	f.Fuzz(func(t *testing.T, text string) {
		for path, p := range Keys(text) {
			if p.Line < 1 || p.Col < 1 { // an empty key ("" = 1) is legal TOML
				t.Fatalf("%q at %+v", path, p)
			}
		}
	})
}
