package jtag

import "testing"

func TestFiveOnesResetFromEveryState(t *testing.T) {
	for s := TestLogicReset; s <= UpdateIR; s++ {
		got := s
		for range 5 {
			got = got.Next(true)
		}
		if got != TestLogicReset {
			t.Errorf("from %v: 5×TMS=1 reached %v", s, got)
		}
	}
}

func TestPaths(t *testing.T) {
	tests := []struct {
		name string
		from State
		tms  string
		want State
	}{
		{"reset to idle", TestLogicReset, "0", RunTestIdle},
		{"idle to shift-DR", RunTestIdle, "100", ShiftDR},
		{"idle to shift-IR", RunTestIdle, "1100", ShiftIR},
		{"shift-DR to update", ShiftDR, "11", UpdateDR},
		{"pause and resume DR", ShiftDR, "10010", ShiftDR},
		{"update-IR to shift-DR", UpdateIR, "100", ShiftDR},
		{"exit2-IR to update", PauseIR, "11", UpdateIR},
		{"select-IR to reset", SelectIRScan, "1", TestLogicReset},
	}
	for _, tc := range tests {
		s := tc.from
		for _, c := range tc.tms {
			s = s.Next(c == '1')
		}
		if s != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, s, tc.want)
		}
	}
}
