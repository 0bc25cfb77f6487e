package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func testRecords() []journalRecord {
	return []journalRecord{
		{kind: recordBegin, id: 1, value: []byte(`{"recipe":"r"}`)},
		{kind: recordCheckpoint, id: 1, uid: "c0ffee", value: []byte(`{"recipe":"r","unit_uid":"c0ffee"}`)},
		{kind: recordFinish, flags: flagPass | flagSerials, id: 1, uid: "c0ffee", value: bytes.Repeat([]byte{0x01, 0xab}, 700)},
		{kind: recordBegin, id: 0xffffffffffffffff, uid: strings.Repeat("f", 64), value: []byte{'{', '}'}},
	}
}

// journalBytes builds a journal file of generation gen holding recs.
func journalBytes(gen uint64, id dbID, recs []journalRecord) []byte {
	b := encodeJournalHeader(gen, id)
	var frames []byte
	for i := range recs {
		frames = appendFrame(frames, &recs[i])
	}
	setFrameGens(frames, gen)
	return append(b, frames...)
}

func TestJournalRoundTripAndTornTails(t *testing.T) {
	id := dbID{1, 2, 3}
	recs := testRecords()
	file := journalBytes(7, id, recs)
	gen, gotID, got, ok := parseJournal(file)
	if !ok || gen != 7 || gotID != id {
		t.Fatalf("parseJournal header = %d, %x, %v", gen, gotID, ok)
	}
	if !slices.EqualFunc(got, recs, sameRecord) {
		t.Fatalf("records differ:\n got %+v\nwant %+v", got, recs)
	}
	// Cut the file anywhere: what comes back is always a prefix of the
	// records, never a damaged one.
	for cut := journalHeaderSize; cut <= len(file); cut++ {
		_, _, got, ok := parseJournal(file[:cut])
		if !ok {
			t.Fatalf("cut at %d: header lost", cut)
		}
		if !slices.EqualFunc(got, recs[:len(got)], sameRecord) {
			t.Fatalf("cut at %d: records are not a prefix", cut)
		}
	}
	// Flip any byte of the frames: parsing stops at the damaged frame.
	for i := journalHeaderSize; i < len(file); i += 37 {
		bad := bytes.Clone(file)
		bad[i] ^= 0x40
		_, _, got, _ := parseJournal(bad)
		if !slices.EqualFunc(got, recs[:len(got)], sameRecord) || len(got) == len(recs) {
			t.Fatalf("flipped byte %d: got %d records, want a strict prefix", i, len(got))
		}
	}
}

func TestJournalStaleFramesAreNotReplayed(t *testing.T) {
	id := dbID{9}
	old := journalBytes(3, id, testRecords())
	// Emptying rewrites the header only: the frames behind it are of
	// generation 3 and must not count under generation 4.
	copy(old, encodeJournalHeader(4, id))
	if _, _, got, ok := parseJournal(old); !ok || len(got) != 0 {
		t.Fatalf("after emptying: %d records, ok %v; want none", len(got), ok)
	}
	// A new first record over a longer old one: the old tail is ignored.
	fresh := journalBytes(4, id, testRecords()[:1])
	copy(old, fresh)
	if _, _, got, _ := parseJournal(old); len(got) != 1 {
		t.Fatalf("one new record over old frames: got %d records", len(got))
	}
	// A damaged header (a torn rewrite) means nothing to replay.
	old[20] ^= 1
	if _, _, got, ok := parseJournal(old); ok || len(got) != 0 {
		t.Fatalf("damaged header: ok %v, %d records", ok, len(got))
	}
}

// FuzzParseJournal feeds arbitrary header and frame bytes to the reader.
// The two come separately, the header padded to its block here, because
// Go's fuzzer slows to a crawl on inputs of several KiB.
func FuzzParseJournal(f *testing.F) {
	id := dbID{5}
	valid := journalBytes(1, id, testRecords())
	f.Add(valid[:journalHeaderUsed], valid[journalHeaderSize:])
	f.Add(valid[:journalHeaderUsed], []byte(nil))
	f.Add([]byte("FSJRNL"), valid[journalHeaderSize:journalHeaderSize+40])
	f.Fuzz(func(t *testing.T, header, frames []byte) {
		b := make([]byte, journalHeaderSize, journalHeaderSize+len(frames))
		copy(b, header)
		b = append(b, frames...)
		gen, _, recs, ok := parseJournal(b)
		if !ok && len(recs) > 0 {
			t.Fatal("records from a file without a header")
		}
		for i := range recs {
			if err := recs[i].valid(); err != nil {
				t.Fatalf("record %d: %v", i, err)
			}
		}
		if ok {
			// What parsed must encode back to the same frames.
			var again []byte
			for i := range recs {
				again = appendFrame(again, &recs[i])
			}
			setFrameGens(again, gen)
			if !bytes.Equal(again, frames[:len(again)]) {
				t.Fatal("records do not encode back to their frames")
			}
		}
	})
}

func sameRecord(a, b journalRecord) bool {
	return a.kind == b.kind && a.flags == b.flags && a.id == b.id && a.uid == b.uid && bytes.Equal(a.value, b.value)
}

// crashClose drops a store the way a killed process does: the journal is
// neither copied into bbolt nor emptied.
func crashClose(t *testing.T, s *Store) {
	t.Helper()
	close(s.stop)
	<-s.stopped
	s.journal.close()
	s.db.Close()
	s.closing.Do(func() {}) // the test cleanup's Close must not run
}

func neverApply() Options { return Options{applyEvery: time.Hour} }

func TestReadsSeeJournaledWrites(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "a.db"), neverApply())
	ctx := context.Background()
	a := begin(t, s)
	n := reserve(t, s, a)
	a.UnitUID = "c0ffee"
	finish(t, s, a, Pass)
	if !s.journal.hasPending() {
		t.Fatal("test needs the finish to be in the journal only")
	}
	got, err := s.Get(ctx, a.ID)
	if err != nil || got.Result != Pass || len(got.Serials) != 1 || got.Serials[0] != (Serial{"sn", n, SerialCommitted}) {
		t.Fatalf("Get after Finish = %+v, %v", got, err)
	}
	if list, err := s.ByUnit(ctx, "c0ffee"); err != nil || len(list) != 1 {
		t.Fatalf("ByUnit = %d, %v", len(list), err)
	}
	b := begin(t, s)
	finish(t, s, b, Fail)
	if st, err := s.Series(ctx, "sn"); err != nil || st.Committed != 1 {
		t.Fatalf("Series = %+v, %v", st, err)
	}
	var buf bytes.Buffer
	if _, err := s.Backup(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(copyPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	c := openTest(t, copyPath, Options{ReadOnly: true})
	if got, err := c.Get(ctx, b.ID); err != nil || got.Result != Fail {
		t.Fatalf("backup taken after Finish: %+v, %v", got, err)
	}
}

// journaledState records, with nothing copied into bbolt by the applier:
// passes and a fail with serials, a unit whose UID changed on checkpoint,
// and one attempt left running with a reservation.
func journaledState(t *testing.T, s *Store) (running *Attempt, runningSerial uint64) {
	t.Helper()
	ctx := context.Background()
	for i := range 4 {
		a := begin(t, s)
		reserve(t, s, a)
		a.UnitUID = "aaaa"
		if err := s.Checkpoint(ctx, a); err != nil {
			t.Fatal(err)
		}
		a.UnitUID = fmt.Sprintf("c0ffee%02d", i)
		r := Pass
		if i == 2 {
			r = Fail
		}
		finish(t, s, a, r)
	}
	running = begin(t, s)
	runningSerial = reserve(t, s, running)
	running.UnitUID = "bbbb"
	if err := s.Checkpoint(ctx, running); err != nil {
		t.Fatal(err)
	}
	return running, runningSerial
}

func checkRecovered(t *testing.T, s *Store, running *Attempt, runningSerial uint64) {
	t.Helper()
	ctx := context.Background()
	all, err := s.Query(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 5 {
		t.Fatalf("%d attempts, want 5", len(all))
	}
	for i, a := range all[:4] {
		want := Pass
		if i == 2 {
			want = Fail
		}
		if a.Result != want || a.UnitUID != fmt.Sprintf("c0ffee%02d", i) || len(a.Serials) != 1 {
			t.Errorf("attempt %d: %s uid %s serials %+v", i, a.Result, a.UnitUID, a.Serials)
		}
	}
	last := all[4]
	if last.ID != running.ID || last.Result != Interrupted || last.UnitUID != "bbbb" {
		t.Errorf("running attempt after recovery: %+v", last)
	}
	if len(last.Serials) != 1 || last.Serials[0] != (Serial{"sn", runningSerial, SerialReleased}) {
		t.Errorf("running attempt serials %+v, want %d released", last.Serials, runningSerial)
	}
	// The UID index holds exactly the final UIDs: no entry for the UID an
	// attempt had before its last write.
	if _, err := s.ByUnit(ctx, "aaaa"); !errors.Is(err, ErrNotFound) {
		t.Errorf("stale UID aaaa still indexed: %v", err)
	}
	st, err := s.Series(ctx, "sn")
	if err != nil {
		t.Fatal(err)
	}
	// 100 and 101 pass; 102 fails, goes back and is reused by the next
	// pass; 103 is released by recovery.
	if st.Committed != 3 || st.Reserved != 0 || !slices.Equal(st.Free, []uint64{runningSerial}) || st.Next != 104 {
		t.Errorf("series after recovery %+v, want 3 committed, free [%d], next 104", st, runningSerial)
	}
}

func TestReplayAfterCrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	s := openTest(t, path, neverApply())
	running, n := journaledState(t, s)
	if !s.journal.hasPending() {
		t.Fatal("test needs records in the journal only")
	}
	crashClose(t, s)
	checkRecovered(t, openTest(t, path, Options{}), running, n)
}

// A crash after a commit and before the journal file is emptied replays
// records bbolt already holds; the result must be the same.
func TestReplayOfAppliedRecordsChangesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	s := openTest(t, path, neverApply())
	running, n := journaledState(t, s)
	if err := s.flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	crashClose(t, s)
	s = openTest(t, path, Options{})
	checkRecovered(t, s, running, n)
	// And once more, now that recovery itself has committed: the next open
	// of a file whose journal was replayed but not emptied.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkRecovered(t, openTest(t, path, Options{}), running, n)
}

func TestReadOnlyOpenRecoversCrashedWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	s := openTest(t, path, neverApply())
	running, n := journaledState(t, s)
	crashClose(t, s)
	checkRecovered(t, openTest(t, path, Options{ReadOnly: true}), running, n)
}

func TestJournalOfAnotherDatabaseIsSetAside(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.db")
	s := openTest(t, path, neverApply())
	journaledState(t, s)
	crashClose(t, s)
	if err := os.Rename(path, filepath.Join(dir, "elsewhere.db")); err != nil {
		t.Fatal(err)
	}
	fresh := openTest(t, path, Options{})
	if all, err := fresh.Query(context.Background(), Filter{}); err != nil || len(all) != 0 {
		t.Fatalf("a new database got %d attempts of another one (%v)", len(all), err)
	}
	aside, _ := filepath.Glob(path + ".journal*.orphaned-*")
	if len(aside) != 1 {
		t.Fatalf("set-aside journal files: %v, want one", aside)
	}
}

func TestJournalFilesAreReusedAndEmptied(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	s := openTest(t, path, Options{applyEvery: time.Millisecond})
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 150 {
				if !recordFrom(t, s, realisticAttempt(i, fmt.Sprintf("%04x%04x", w, i)), Pass) {
					return
				}
			}
		}()
	}
	wg.Wait()
	if all, err := s.Query(ctx, Filter{}); err != nil || len(all) != 1200 {
		t.Fatalf("%d attempts, %v; want 1200", len(all), err)
	}
	s.journal.mu.Lock()
	gens := []uint64{s.journal.files[0].gen, s.journal.files[1].gen}
	s.journal.mu.Unlock()
	if gens[0]+gens[1] < 10 {
		t.Errorf("journal generations %v: the files were hardly ever switched", gens)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, p := range journalPaths(path) {
		if journalHasRecords(p) {
			t.Errorf("%s holds records after Close", p)
		}
	}
}

func TestJournalWriteFailureStopsWrites(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "a.db"), neverApply())
	ctx := context.Background()
	done := begin(t, s)
	finish(t, s, done, Pass)
	s.journal.files[s.journal.active].f.Close() // the disk goes away
	a := &Attempt{Recipe: "r"}
	err := s.Begin(ctx, a)
	if !errors.Is(err, errJournal) || a.ID != 0 {
		t.Fatalf("Begin on a failed journal: %v (id %s)", err, a.ID)
	}
	if err := s.Begin(ctx, &Attempt{Recipe: "r"}); !errors.Is(err, errJournal) {
		t.Fatalf("second Begin: %v, want the journal's error again", err)
	}
	if got, err := s.Get(ctx, done.ID); err != nil || got.Result != Pass {
		t.Fatalf("attempt recorded before the failure: %+v, %v", got, err)
	}
	if err := s.Close(); err == nil {
		t.Error("Close reported no error although the journal could not be emptied")
	}
}

func TestApplyFailureKeepsRecordsPending(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "a.db"), neverApply())
	a := begin(t, s)
	finish(t, s, a, Pass)
	// A record bbolt refuses (its UID makes a by_uid key over bbolt's
	// limit) fails the commit: every record taken must go back, in order.
	huge := journalRecord{kind: recordBegin, id: 42, uid: strings.Repeat("a", bolt.MaxKeySize), value: []byte("{}")}
	s.journal.mu.Lock()
	s.journal.pending = append(s.journal.pending, huge)
	s.journal.mu.Unlock()
	if err := s.flush(context.Background()); err == nil {
		t.Fatal("flush with an unstorable record succeeded")
	}
	s.journal.mu.Lock()
	back := slices.Clone(s.journal.pending)
	s.journal.pending = slices.DeleteFunc(s.journal.pending, func(r journalRecord) bool { return r.id == huge.id })
	s.journal.mu.Unlock()
	if len(back) != 3 || back[0].id != a.ID || back[1].id != a.ID || back[2].id != huge.id {
		t.Fatalf("pending after the failed commit: %d records, want begin, finish, the bad one", len(back))
	}
	if got, err := s.Get(context.Background(), a.ID); err != nil || got.Result != Pass {
		t.Fatalf("after the bad record is gone: %+v, %v", got, err)
	}
}

// A read while a commit holds records it took from the journal waits for
// that commit, instead of reading bbolt without them.
func TestReadWaitsForCommitUnderWay(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "a.db"), neverApply())
	ctx := context.Background()
	a := begin(t, s)
	finish(t, s, a, Pass)
	release := make(chan struct{})
	inTx := make(chan struct{})
	go s.group.update(func(*bolt.Tx) error {
		close(inTx)
		<-release
		return nil
	})
	<-inTx // the commit has taken a's records and is still open
	got := make(chan *Attempt, 1)
	go func() {
		r, err := s.Get(ctx, a.ID)
		if err != nil {
			t.Error(err)
		}
		got <- r
	}()
	time.Sleep(20 * time.Millisecond)
	close(release)
	if r := <-got; r == nil || r.Result != Pass {
		t.Fatalf("Get during a commit: %+v", r)
	}
}

// Settling is what decides an attempt's serials: a finish record that
// missed a reservation (made while it was being encoded) is corrected.
func TestApplySettlesReservationsFinishDidNotList(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "a.db"), neverApply())
	a := begin(t, s)
	n := reserve(t, s, a)
	a.Result, a.Ended = Pass, time.Now()
	v, err := encodeAttempt(a) // no serials listed
	if err != nil {
		t.Fatal(err)
	}
	s.running.end(a.ID)
	if err := s.journal.append(&journalRecord{kind: recordFinish, flags: flagPass, id: a.ID, value: v}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Serials) != 1 || got.Serials[0] != (Serial{"sn", n, SerialCommitted}) {
		t.Fatalf("serials %+v, want %d committed", got.Serials, n)
	}
}

// Writers journal plain JSON; what lands in bbolt is the compressed form.
func TestAppliedValuesAreCompressed(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "a.db"), neverApply())
	a := realisticAttempt(1, "c0ffee")
	if !recordFrom(t, s, a, Pass) {
		t.FailNow()
	}
	s.journal.mu.Lock()
	journaled := s.journal.pending[1].value
	s.journal.mu.Unlock()
	if journaled[0] != '{' {
		t.Fatalf("journal holds %q..., want plain JSON", journaled[:8])
	}
	if err := s.flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var stored []byte
	s.db.View(func(tx *bolt.Tx) error {
		stored = bytes.Clone(tx.Bucket(bucketAttempts).Get(a.ID.key()))
		return nil
	})
	if len(stored) == 0 || stored[0] != codecFlate || len(stored) >= len(journaled)/2 {
		t.Fatalf("stored value of %d bytes (first %#x) for %d bytes of JSON: not compressed", len(stored), stored[:1], len(journaled))
	}
	got, err := s.Get(context.Background(), a.ID)
	if err != nil || got.Result != Pass || len(got.Steps) != len(a.Steps) {
		t.Fatalf("Get = %+v, %v", got, err)
	}
}

// A file a round could not empty holds older records than the active one,
// so it must be emptied first: were Close to empty the newer file and then
// fail on the older one (or lose power in between), the next Open would
// replay only the older records, and a running attempt would lose its
// checkpoint (UID, steps).
func TestEmptyingGoesOldestFileFirst(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	s := openTest(t, path, neverApply())
	ctx := context.Background()
	a := begin(t, s) // lands in the active file
	s.journal.files[s.journal.active].f.Close()
	if err := s.applyRound(); err == nil {
		t.Fatal("a round emptied a closed file")
	}
	a.UnitUID, a.Steps = "c0ffee", realisticAttempt(0, "").Steps[:3]
	if err := s.Checkpoint(ctx, a); err != nil { // lands in the other file
		t.Fatal(err)
	}
	if err := s.Close(); err == nil {
		t.Fatal("Close could not empty a file and said nothing")
	}
	s2 := openTest(t, path, Options{})
	got, err := s2.Get(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Result != Interrupted || got.UnitUID != "c0ffee" || len(got.Steps) != 3 {
		t.Errorf("after reopening: %s, uid %q, %d steps; want interrupted, c0ffee, 3 steps", got.Result, got.UnitUID, len(got.Steps))
	}
}

// A batch queued behind one whose write failed must fail too: written
// after the hole the failed one may leave, it would never be replayed.
func TestFailedBatchFailsTheBatchBehindIt(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "a.db"), neverApply())
	ctx := context.Background()
	inWrite, release := make(chan struct{}), make(chan struct{})
	writes := 0
	s.journal.beforeWrite = func() error {
		writes++
		if writes == 1 {
			close(inWrite)
			<-release
			return errors.New("no space left on device")
		}
		return nil
	}
	first := make(chan error, 1)
	go func() { first <- s.Begin(ctx, &Attempt{Recipe: "r"}) }()
	<-inWrite
	second := make(chan error, 1)
	go func() { second <- s.Begin(ctx, &Attempt{Recipe: "r"}) }()
	for queued := false; !queued; time.Sleep(time.Millisecond) {
		s.journal.mu.Lock()
		queued = len(s.journal.next.recs) > 0
		s.journal.mu.Unlock()
	}
	close(release)
	if err := <-first; !errors.Is(err, errJournal) {
		t.Errorf("the failed batch's Begin: %v", err)
	}
	if err := <-second; !errors.Is(err, errJournal) {
		t.Errorf("the Begin queued behind it: %v, want the journal's error", err)
	}
	if writes != 1 {
		t.Errorf("%d batch writes, want only the failed one", writes)
	}
}

// A record the reader would refuse (over maxPayload) is refused when it
// is written, instead of being acknowledged and lost at replay with every
// record behind it.
func TestOversizedRecordIsRefused(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "a.db"), neverApply())
	err := s.journal.append(&journalRecord{kind: recordCheckpoint, id: 1, value: make([]byte, maxPayload)})
	if err == nil || !strings.Contains(err.Error(), "at most") {
		t.Fatalf("append of an oversized record: %v", err)
	}
	a := begin(t, s) // the journal still works
	finish(t, s, a, Pass)
}

// When the database keeps refusing records (a full disk), writes fail once
// too many wait, instead of growing the journal and memory without end;
// once a round succeeds again they are accepted.
func TestWritesStopWhileTheDatabaseRefusesRecords(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "a.db"), neverApply())
	s.journal.maxPending = 3
	bad := journalRecord{kind: recordBegin, id: 42, uid: strings.Repeat("a", bolt.MaxKeySize), value: []byte("{}")}
	s.journal.mu.Lock()
	s.journal.pending = append(s.journal.pending, bad)
	s.journal.mu.Unlock()
	a := begin(t, s)
	finish(t, s, a, Pass) // 3 pending now, the bad one first
	err := s.applyRound()
	s.journal.setApplyErr(err)
	if err == nil {
		t.Fatal("a round with an unstorable record succeeded")
	}
	if err := s.Begin(context.Background(), &Attempt{Recipe: "r"}); err == nil || !strings.Contains(err.Error(), "refuses them") {
		t.Fatalf("Begin with 3 records stuck: %v", err)
	}
	s.journal.mu.Lock()
	s.journal.pending = slices.DeleteFunc(s.journal.pending, func(r journalRecord) bool { return r.id == bad.id })
	s.journal.mu.Unlock()
	s.journal.setApplyErr(s.applyRound())
	b := begin(t, s)
	finish(t, s, b, Pass)
	if got, err := s.Get(context.Background(), a.ID); err != nil || got.Result != Pass {
		t.Fatalf("attempt recorded before the stall: %+v, %v", got, err)
	}
}
