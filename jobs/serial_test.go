package jobs

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

func begin(t testing.TB, s *Store) *Attempt {
	t.Helper()
	a := &Attempt{Recipe: "r"}
	if err := s.Begin(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

func finish(t testing.TB, s *Store, a *Attempt, r Result) {
	t.Helper()
	a.Result = r
	if err := s.Finish(context.Background(), a); err != nil {
		t.Fatal(err)
	}
}

func reserve(t testing.TB, s *Store, a *Attempt) uint64 {
	t.Helper()
	n, err := s.Reserve(context.Background(), "sn", 100, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestReserveReusesReleasedNumbersFirst(t *testing.T) {
	s := newStore(t)
	a1, a2 := begin(t, s), begin(t, s)
	if n := reserve(t, s, a1); n != 100 {
		t.Fatalf("first reservation %d, want 100", n)
	}
	if n := reserve(t, s, a2); n != 101 {
		t.Fatalf("second reservation %d, want 101", n)
	}
	if n := reserve(t, s, a2); n != 101 {
		t.Fatalf("reserving again for the same attempt gave %d, want 101", n)
	}
	finish(t, s, a1, Fail)
	if len(a1.Serials) != 1 || a1.Serials[0] != (Serial{"sn", 100, SerialReleased}) {
		t.Errorf("failed attempt serials %+v, want 100 released", a1.Serials)
	}
	a3 := begin(t, s)
	if n := reserve(t, s, a3); n != 100 {
		t.Fatalf("after a release, reservation %d, want the released 100", n)
	}
	finish(t, s, a2, Pass)
	finish(t, s, a3, Pass)
	if a3.Serials[0] != (Serial{"sn", 100, SerialCommitted}) {
		t.Errorf("passed attempt serials %+v, want 100 committed", a3.Serials)
	}
	a4 := begin(t, s)
	if n := reserve(t, s, a4); n != 102 {
		t.Fatalf("after commits, reservation %d, want 102", n)
	}
	st, err := s.Series(context.Background(), "sn")
	if err != nil {
		t.Fatal(err)
	}
	if st.First != 100 || st.Next != 103 || len(st.Free) != 0 || st.Reserved != 1 || st.Committed != 2 {
		t.Errorf("series state %+v", st)
	}
}

func TestReserveRefusals(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	a := begin(t, s)
	reserve(t, s, a)
	done := begin(t, s)
	finish(t, s, done, Pass)
	tests := []struct {
		name   string
		series string
		first  uint64
		id     ID
		want   string
	}{
		{"other first", "sn", 5, a.ID, "started at 100, the recipe says 5"},
		{"ended attempt", "sn", 100, done.ID, "is not running"},
		{"unknown attempt", "sn", 100, 12345, "is not running"},
		{"empty series", "", 100, a.ID, "must be 1 to"},
		{"long series", strings.Repeat("x", 65), 100, a.ID, "must be 1 to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Reserve(ctx, tt.series, tt.first, tt.id)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestReserveParallel runs many workers that each begin, reserve, and pass
// or fail; afterwards every number below next is either committed to
// exactly one passing attempt or free, and none is handed out twice.
func TestReserveParallel(t *testing.T) {
	s := newStore(t)
	const workers, each = 16, 15
	var mu sync.Mutex
	committed := map[uint64]ID{}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			for i := 0; i < each; i++ {
				a := &Attempt{Recipe: "r", Slot: fmt.Sprint(w)}
				if err := s.Begin(ctx, a); err != nil {
					errs <- err
					return
				}
				if _, err := s.Reserve(ctx, "sn", 1, a.ID); err != nil {
					errs <- err
					return
				}
				a.Result = Pass
				if (w+i)%3 == 0 {
					a.Result = Fail
				}
				if err := s.Finish(ctx, a); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				for _, sn := range a.Serials {
					if sn.State != SerialCommitted {
						continue
					}
					if prev, dup := committed[sn.Number]; dup {
						errs <- fmt.Errorf("number %d committed to %v and %v", sn.Number, prev, a.ID)
					}
					committed[sn.Number] = a.ID
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	st, err := s.Series(context.Background(), "sn")
	if err != nil {
		t.Fatal(err)
	}
	if st.Reserved != 0 || st.Committed != len(committed) {
		t.Fatalf("series %+v, %d committed seen by workers", st, len(committed))
	}
	for n := st.First; n < st.Next; n++ {
		_, isCommitted := committed[n]
		if isFree := slices.Contains(st.Free, n); isCommitted == isFree {
			t.Errorf("number %d: committed %v, free %v (want exactly one)", n, isCommitted, isFree)
		}
	}
	// Numbers released at the end are handed out next, lowest first.
	if len(st.Free) > 0 {
		a := begin(t, s)
		if n, _ := s.Reserve(context.Background(), "sn", 1, a.ID); n != st.Free[0] {
			t.Errorf("next reservation %d, want lowest free %d", n, st.Free[0])
		}
	}
}

// TestSpentSerialBurnedAndKeptByItsUnit: a number spent (possibly written
// to the board) on an attempt that does not pass is burned, never handed
// to another unit, and handed back to a rerun of the same unit.
func TestSpentSerialBurnedAndKeptByItsUnit(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	unit := func(uid string) *Attempt {
		a := begin(t, s)
		a.UnitUID = uid
		if err := s.Checkpoint(ctx, a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	tests := []struct {
		uid    string
		spend  bool
		result Result
		want   Serial
	}{
		{"aa01", true, Fail, Serial{"sn", 100, SerialBurned}},    // written, then verify failed
		{"aa02", false, Fail, Serial{"sn", 101, SerialReleased}}, // never written: the number is free again
		{"aa03", true, Pass, Serial{"sn", 101, SerialCommitted}}, // reuses the released 101, not the burned 100
		{"aa01", false, Error, Serial{"sn", 100, SerialBurned}},  // rerun of aa01 gets its 100 back, already spent
		{"aa04", true, Aborted, Serial{"sn", 102, SerialBurned}}, // never 100
		{"", true, Fail, Serial{"sn", 103, SerialBurned}},        // no UID known: burned for good
		{"aa01", true, Pass, Serial{"sn", 100, SerialCommitted}}, // aa01 passes with its own number at last
		{"aa05", true, Pass, Serial{"sn", 104, SerialCommitted}}, // nothing burned is ever reused
	}
	for i, tt := range tests {
		a := unit(tt.uid)
		reserve(t, s, a)
		if tt.spend {
			if err := s.Spend(ctx, a.ID); err != nil {
				t.Fatal(err)
			}
		}
		finish(t, s, a, tt.result)
		if len(a.Serials) != 1 || a.Serials[0] != tt.want {
			t.Errorf("attempt %d (unit %q, spent %v, %s): serials %+v, want %+v", i, tt.uid, tt.spend, tt.result, a.Serials, tt.want)
		}
		got, err := s.Get(ctx, a.ID)
		if err != nil || len(got.Serials) != 1 || got.Serials[0] != tt.want {
			t.Errorf("attempt %d stored serials %+v (%v), want %+v", i, got.Serials, err, tt.want)
		}
	}
	st, err := s.Series(ctx, "sn")
	if err != nil {
		t.Fatal(err)
	}
	if st.Burned != 2 || st.Committed != 3 || st.Reserved != 0 || len(st.Free) != 0 || st.Next != 105 {
		t.Errorf("series state %+v, want 2 burned (102, 103), 3 committed, next 105", st)
	}
	if err := s.Spend(ctx, 12345); err == nil || !strings.Contains(err.Error(), "not running") {
		t.Errorf("Spend of an unknown attempt: %v", err)
	}
}
