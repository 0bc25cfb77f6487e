package jobs

import (
	"context"
	"math/rand"
	"testing"
	"time"
)

// Query must agree with a linear filter over every attempt, for random
// filters over random UIDs and times.
func TestQueryMatchesBruteForce(t *testing.T) {
	s := newStore(t)
	uids := []string{"", "0", "00", "aa", "aa01", "ff", "ffff", "1f2e"}
	rng := rand.New(rand.NewSource(1))
	var all []*Attempt
	base := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	for i := 0; i < 60; i++ {
		a := &Attempt{Recipe: "r", Slot: []string{"A1", "A2"}[i%2], UnitUID: uids[rng.Intn(len(uids))],
			Started: base.Add(time.Duration(i) * time.Minute)}
		record(t, s, a, []Result{Pass, Fail, Error}[rng.Intn(3)])
		all = append(all, a)
	}
	for n := 0; n < 3000; n++ {
		var f Filter
		f.UID = uids[rng.Intn(len(uids))]
		if rng.Intn(2) == 0 {
			f.Since = base.Add(time.Duration(rng.Intn(70)-5) * time.Minute)
		}
		if rng.Intn(2) == 0 {
			f.Until = base.Add(time.Duration(rng.Intn(70)-5) * time.Minute)
		}
		f.Newest = rng.Intn(2) == 0
		f.Limit = rng.Intn(4)
		var want []ID
		for _, a := range all {
			if f.UID != "" && a.UnitUID != f.UID || !f.inRange(a.ID) {
				continue
			}
			want = append(want, a.ID)
		}
		if f.Newest {
			for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
				want[i], want[j] = want[j], want[i]
			}
		}
		if f.Limit > 0 && len(want) > f.Limit {
			want = want[:f.Limit]
		}
		got, err := s.Query(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		ok := len(got) == len(want)
		for i := 0; ok && i < len(got); i++ {
			ok = got[i].ID == want[i]
		}
		if !ok {
			t.Fatalf("filter %+v: got %d attempts, want %d", f, len(got), len(want))
		}
	}
}
