package jobs

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// reserveOne begins an attempt, reserves a number of series sn and ends
// the attempt with r (spent first when spend).
func reserveOne(t *testing.T, s *Store, r Result, spend bool) (uint64, error) {
	t.Helper()
	ctx := context.Background()
	a := &Attempt{Recipe: "r"}
	if err := s.Begin(ctx, a); err != nil {
		t.Fatal(err)
	}
	n, err := s.Reserve(ctx, "sn", 1, a.ID)
	if err == nil && spend {
		err = s.Spend(ctx, a.ID)
	}
	a.Result = r
	if ferr := s.Finish(ctx, a); ferr != nil {
		t.Fatal(ferr)
	}
	return n, err
}

// TestLeasedSeries: numbers come only from leased blocks, in order, block
// after block; with none left Reserve says so; a released number is used
// again first; giving back lists exactly the numbers never handed out.
func TestLeasedSeries(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.db")
	s := openTest(t, path, Options{LeasedSerials: true})
	if _, err := reserveOne(t, s, Pass, true); !errors.Is(err, ErrNoSerials) || !strings.Contains(err.Error(), `no block of serial series "sn" leased yet`) {
		t.Fatalf("before any block: %v", err)
	}
	if err := s.AddBlock(ctx, Block{Series: "sn", Lease: 7, First: 1000, Last: 1002}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddBlock(ctx, Block{Series: "sn", Lease: 7, First: 1000, Last: 1002}); err != nil {
		t.Fatalf("the same block again: %v", err)
	}
	if err := s.AddBlock(ctx, Block{Series: "sn", Lease: 8, First: 1002, Last: 1010}); err == nil || !strings.Contains(err.Error(), "overlaps") {
		t.Fatalf("overlapping block: %v", err)
	}
	var got []uint64
	for _, step := range []struct {
		r     Result
		spend bool
	}{{Pass, true}, {Fail, false}, {Pass, true}, {Fail, true}} {
		n, err := reserveOne(t, s, step.r, step.spend)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, n)
	}
	// 1001 was released (never written) and comes back before 1002.
	if !slices.Equal(got, []uint64{1000, 1001, 1001, 1002}) {
		t.Fatalf("numbers %v", got)
	}
	if _, err := reserveOne(t, s, Pass, true); !errors.Is(err, ErrNoSerials) || !strings.Contains(err.Error(), "left in the blocks this station holds") {
		t.Fatalf("block used up: %v", err)
	}
	if err := s.AddBlock(ctx, Block{Series: "sn", Lease: 9, First: 1500, Last: 1504}); err != nil {
		t.Fatal(err)
	}
	if n, err := reserveOne(t, s, Fail, false); err != nil || n != 1500 {
		t.Fatalf("next block: %d, %v", n, err)
	}
	if left, err := s.SerialsLeft(ctx, "sn"); err != nil || left != 5 {
		t.Fatalf("left %d, %v; want 1500 (released) and 1501..1504", left, err)
	}
	s.Close()
	s = openTest(t, path, Options{LeasedSerials: true})
	un, err := s.MarkReturning(ctx, "sn")
	if err != nil || len(un) != 2 || !slices.Equal(un[1].Numbers, []uint64{1500, 1501, 1502, 1503, 1504}) || len(un[0].Numbers) != 0 || un[1].Lease != 9 {
		t.Fatalf("returning %+v, %v", un, err)
	}
	if _, err := reserveOne(t, s, Pass, true); !errors.Is(err, ErrNoSerials) {
		t.Fatalf("a returning block still in use: %v", err)
	}
	if again, _ := s.Returning(ctx, "sn"); len(again) != 2 {
		t.Fatalf("Returning after a restart would list %d blocks", len(again))
	}
	if err := s.DropReturning(ctx, "sn"); err != nil {
		t.Fatal(err)
	}
	if left, _ := s.SerialsLeft(ctx, "sn"); left != 0 {
		t.Fatalf("left after giving back: %d", left)
	}
	st, _ := s.Series(ctx, "sn")
	if st.Committed != 2 || st.Burned != 1 || len(st.Free) != 0 {
		t.Fatalf("series %+v", st)
	}
}
