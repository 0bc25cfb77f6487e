package jobs

import (
	"context"
	"testing"
	"time"
)

// fixture records six attempts one minute apart (minutes 0..5) on two
// units, two recipes and two slots.
func fixture(t *testing.T) (*Store, []*Attempt) {
	s := newStore(t)
	var all []*Attempt
	results := []Result{Pass, Fail, Pass, Error, Pass, Aborted}
	for i, r := range results {
		uid := "aa01"
		if i%2 == 1 {
			uid = "bb02"
		}
		a := realisticAttempt(i, uid)
		if i >= 4 {
			a.Recipe = "nrf52-blinky"
		}
		record(t, s, a, r)
		all = append(all, a)
	}
	return s, all
}

func TestQueryFilters(t *testing.T) {
	s, all := fixture(t)
	at := func(i int) time.Time { return all[i].Started }
	far := func(year int) time.Time { return time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name string
		f    Filter
		want []int
	}{
		{"all", Filter{}, []int{0, 1, 2, 3, 4, 5}},
		{"uid", Filter{UID: "bb02"}, []int{1, 3, 5}},
		{"uid newest", Filter{UID: "aa01", Newest: true}, []int{4, 2, 0}},
		{"uid limit", Filter{UID: "aa01", Limit: 2}, []int{0, 2}},
		{"result", Filter{Results: []Result{Fail, Error}}, []int{1, 3}},
		{"recipe", Filter{Recipe: "nrf52-blinky"}, []int{4, 5}},
		{"slot", Filter{Slot: "3"}, []int{3}},
		{"since", Filter{Since: at(4)}, []int{4, 5}},
		{"until", Filter{Until: at(2)}, []int{0, 1}},
		{"range", Filter{Since: at(1), Until: at(3)}, []int{1, 2}},
		{"range newest", Filter{Since: at(1), Until: at(4), Newest: true}, []int{3, 2, 1}},
		{"newest limit", Filter{Newest: true, Limit: 2}, []int{5, 4}},
		{"uid range", Filter{UID: "aa01", Since: at(1), Until: at(5)}, []int{2, 4}},
		{"uid range newest", Filter{UID: "bb02", Since: at(2), Newest: true}, []int{5, 3}},
		{"nothing", Filter{UID: "cc03"}, nil},
		{"empty range", Filter{Since: at(5).Add(time.Hour)}, nil},
		// Past UnixNano's range (2262-04-11) a bound wrapped round and matched everything.
		{"since far future", Filter{Since: far(2300)}, nil},
		{"since far future newest", Filter{Since: far(2300), Newest: true}, nil},
		{"until far past", Filter{Until: far(1600)}, nil},
		{"until far past newest", Filter{Until: far(1600), Newest: true}, nil},
		{"until far future", Filter{Until: far(2300)}, []int{0, 1, 2, 3, 4, 5}},
		{"since far past newest", Filter{Since: far(1600), Newest: true}, []int{5, 4, 3, 2, 1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Query(context.Background(), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var ids []ID
			for _, a := range got {
				ids = append(ids, a.ID)
			}
			var want []ID
			for _, i := range tt.want {
				want = append(want, all[i].ID)
			}
			if len(ids) != len(want) {
				t.Fatalf("got %v, want %v", ids, want)
			}
			for i := range ids {
				if ids[i] != want[i] {
					t.Fatalf("got %v, want %v", ids, want)
				}
			}
		})
	}
}

func TestQueryCancelled(t *testing.T) {
	s, _ := fixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Query(ctx, Filter{}); err == nil {
		t.Error("Query with a cancelled context succeeded")
	}
}
