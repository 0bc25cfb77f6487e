package jobs

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/flashstation/flashstation/drivers"
)

// wal appends journal records with group commit: the first writer to find
// no write under way becomes the leader, writes every record queued so far
// in one pwrite and one fdatasync, and hands leadership to a writer queued
// behind it. With 16 writers each write waits for about one and a half
// syncs, where a bbolt commit costs two syncs plus page writes.
//
// Two files take turns (journalFiles): records go to the active one while
// a round (apply.go) copies the other's records into bbolt and then empties
// it. Files are filled with zeros when created and reused in place, so a
// sync rarely has to write file-size metadata as well.
//
// A record joins pending, the list apply.go copies into bbolt, only once
// its batch is on disk; so a record the caller was told failed is never
// applied. After a failed write or sync the journal refuses further writes
// (what reached the disk is unknown after a failed fdatasync): every write
// returns that error until the applier heals it (heal), once the disk takes
// writes again: it copies every record acknowledged before the failure into
// bbolt and empties both files under a new generation, which disowns
// whatever the failed write left behind.
type wal struct {
	noSync bool
	id     dbID // written into every header
	// beforeWrite, when set (tests), runs before each batch is written;
	// an error from it stands for a failed write.
	beforeWrite func() error
	// ioFault, when set (tests), stands for the disk: an error from it
	// fails every file write and sync (a full disk).
	ioFault func() error

	mu      sync.Mutex
	files   [2]*journalFile
	active  int  // index of the file new batches go to
	spare   bool // the other file is empty and may become active
	nextGen uint64
	next    *walBatch // the batch writers join
	writing bool      // a leader owns the write path
	idle    *sync.Cond
	err     error // set after a failed write: the journal is unusable
	pending []journalRecord
	taken   bool // a commit holds records it took from pending
	// applyErr is the last round's failure, nil once a round succeeds;
	// with maxPending records waiting it refuses new ones.
	applyErr   error
	maxPending int           // maxPending, smaller in tests
	kick       chan struct{} // asks the applier for a round early
}

// journalFile is one of the two files.
type journalFile struct {
	f    *os.File
	path string
	gen  uint64
	off  int64 // where the next batch goes
	busy bool  // a batch is being written to it
}

type walBatch struct {
	buf  []byte
	recs []journalRecord
	done chan struct{}
	lead chan struct{} // a finished leader makes one waiter the next leader
	err  error
}

func newWalBatch() *walBatch {
	return &walBatch{buf: (*batchBufs.Get().(*[]byte))[:0], done: make(chan struct{}), lead: make(chan struct{}, 1)}
}

// batchBufs recycles batch buffers once written: at full speed a few
// hundred KiB a second would otherwise go to the garbage collector.
var batchBufs = sync.Pool{New: func() any { return new([]byte) }}

// journalPrealloc is each new file's zero-filled size: room for about
// 800 attempts, more than a station records between rounds. A burst beyond
// it extends the file, which makes those syncs slower; files are never
// shrunk, so they settle at the size the load needs.
const journalPrealloc = 1 << 20

// kickPending asks for an early round once this many records wait.
const kickPending = 2048

// maxPending bounds the records held in memory while the database keeps
// refusing them (a full disk): beyond it writes fail instead of growing
// the journal and memory without end. A station records two or three per
// attempt, so this is hours of production.
const maxPending = 100_000

func (w *wal) setApplyErr(err error) {
	w.mu.Lock()
	w.applyErr = err
	w.mu.Unlock()
}

// journalPaths names the two journal files of database path.
func journalPaths(path string) [2]string {
	return [2]string{path + ".journal0", path + ".journal1"}
}

// errJournal wraps a write failure that poisons the journal.
var errJournal = errors.New("jobs: journal write failed (the store takes writes again once the disk does)")

// append makes r durable in the journal and queues it for bbolt.
func (w *wal) append(r *journalRecord) error {
	if err := r.valid(); err != nil {
		return fmt.Errorf("jobs: journal: %w", err)
	}
	w.mu.Lock()
	if w.err != nil {
		err := w.err
		w.mu.Unlock()
		return err
	}
	if len(w.pending) >= w.maxPending && w.applyErr != nil {
		err := drivers.StationFault(fmt.Errorf("jobs: %d records wait in the journal and the database refuses them (%w); nothing more is accepted until it takes them", len(w.pending), w.applyErr))
		w.mu.Unlock()
		return err
	}
	b := w.next
	b.buf = appendFrame(b.buf, r) // a memmove and a CRC of about a KiB
	b.recs = append(b.recs, *r)
	if !w.writing {
		w.writing = true
		w.mu.Unlock()
		w.lead()
	} else {
		w.mu.Unlock()
		select {
		case <-b.done:
			return b.err
		case <-b.lead:
			w.lead()
		}
	}
	<-b.done
	return b.err
}

// lead writes the open batch, then passes the write path on.
func (w *wal) lead() {
	// Let writers already runnable join this batch: one sync for all.
	runtime.Gosched()
	w.mu.Lock()
	b := w.next
	w.next = newWalBatch()
	if w.err != nil {
		// A batch queued behind a failed one must not be written after
		// the hole that one may have left: fail it too.
		b.err = w.err
		close(b.done)
		w.writing = false
		w.idle.Broadcast()
		w.mu.Unlock()
		return
	}
	jf := w.files[w.active]
	off := jf.off
	jf.off += int64(len(b.buf))
	jf.busy = true
	w.mu.Unlock()

	setFrameGens(b.buf, jf.gen)
	var err error
	if w.beforeWrite != nil {
		err = w.beforeWrite()
	}
	if err == nil {
		err = w.writeSync(jf, b.buf, off)
	}
	buf := b.buf
	b.buf = nil
	batchBufs.Put(&buf)

	w.mu.Lock()
	jf.busy = false
	w.idle.Broadcast() // switchFiles may wait for this file
	if err != nil {
		b.err = drivers.StationFault(fmt.Errorf("%w: %s: %w", errJournal, jf.path, err))
		if w.err == nil {
			w.err = b.err
		}
	} else {
		w.pending = append(w.pending, b.recs...)
		if len(w.pending) >= kickPending {
			select {
			case w.kick <- struct{}{}:
			default:
			}
		}
	}
	close(b.done)
	if len(w.next.recs) > 0 {
		w.next.lead <- struct{}{}
	} else {
		w.writing = false
	}
	w.mu.Unlock()
}

func (w *wal) writeSync(jf *journalFile, buf []byte, off int64) error {
	if w.ioFault != nil {
		if err := w.ioFault(); err != nil {
			return err
		}
	}
	if _, err := jf.f.WriteAt(buf, off); err != nil {
		return err
	}
	if w.noSync {
		return nil
	}
	return fdatasync(jf.f)
}

// take hands every durable record not yet in bbolt to a commit, which
// reports back with committed or giveBack. Commits run one at a time.
func (w *wal) take() []journalRecord {
	w.mu.Lock()
	defer w.mu.Unlock()
	recs := w.pending
	w.pending = nil
	w.taken = true
	return recs
}

// committed says the records of the last take are in bbolt.
func (w *wal) committed() {
	w.mu.Lock()
	w.taken = false
	w.mu.Unlock()
}

// giveBack returns records a failed commit took, ahead of newer ones.
func (w *wal) giveBack(recs []journalRecord) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending = append(recs, w.pending...)
	w.taken = false
}

// hasPending reports records not yet committed to bbolt, including those a
// commit under way holds: a reader must wait for that commit too.
func (w *wal) hasPending() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.pending) > 0 || w.taken
}

// unemptied is the inactive file when it has not been emptied since it
// was switched away from, else nil.
func (w *wal) unemptied() *journalFile {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.spare {
		return nil
	}
	return w.files[1-w.active]
}

// switchFiles makes the spare file active when the active one holds
// records, waits until no batch is being written to the old one, and
// returns it: every record it holds is then in pending or in bbolt. nil
// means there is nothing to switch.
func (w *wal) switchFiles() *journalFile {
	w.mu.Lock()
	defer w.mu.Unlock()
	old := w.files[w.active]
	if !w.spare || old.off == journalHeaderSize {
		return nil
	}
	w.active = 1 - w.active
	w.spare = false
	for old.busy {
		w.idle.Wait()
	}
	return old
}

// empty rewrites jf's header with a fresh generation, which disowns every
// frame behind it, and makes it the spare. Call it only once everything jf
// held is committed to bbolt.
func (w *wal) empty(jf *journalFile) error {
	w.mu.Lock()
	gen := w.nextGen
	w.nextGen++
	w.mu.Unlock()
	if err := w.writeSync(jf, encodeJournalHeader(gen, w.id), 0); err != nil {
		return fmt.Errorf("jobs: empty journal %s: %w", jf.path, err)
	}
	w.mu.Lock()
	jf.gen, jf.off = gen, journalHeaderSize
	w.spare = true
	w.mu.Unlock()
	return nil
}

// poisoned reports the failed write that stops the journal, or nil.
func (w *wal) poisoned() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// heal makes a journal stopped by a failed write take records again:
// flush must copy every acknowledged record into bbolt (no new one can be
// acknowledged meanwhile), then both files are emptied under a new
// generation, so nothing the failed write left is ever replayed.
func (w *wal) heal(flush func() error) error {
	w.mu.Lock()
	if w.err == nil {
		w.mu.Unlock()
		return nil
	}
	for w.writing {
		w.idle.Wait()
	}
	w.mu.Unlock()
	if err := flush(); err != nil {
		return err
	}
	if err := w.emptyBoth(); err != nil {
		return err
	}
	w.mu.Lock()
	w.err = nil
	w.mu.Unlock()
	return nil
}

// emptyBoth empties both files; no writer may be active (Open, Close).
func (w *wal) emptyBoth() error {
	w.mu.Lock()
	for w.writing {
		w.idle.Wait()
	}
	w.mu.Unlock()
	// Older records first: if the second fails or power is cut between
	// the two, what is left is the newer file, whose replay ends in the
	// state bbolt holds; the older file alone would roll attempts back.
	order := []*journalFile{w.files[0], w.files[1]}
	if order[1].gen < order[0].gen {
		order[0], order[1] = order[1], order[0]
	}
	for _, jf := range order {
		if err := w.empty(jf); err != nil {
			return err
		}
	}
	return nil
}

func (w *wal) close() error {
	var errs []error
	for _, jf := range w.files {
		if jf != nil {
			errs = append(errs, jf.f.Close())
		}
	}
	return errors.Join(errs...)
}

// openJournal opens (creating and zero-filling when missing or short) the
// two journal files of database path and reads what they hold for
// database id, oldest generation first. A file holding records of another
// database is renamed aside with a warning, never replayed or overwritten.
// The files are not emptied here: the caller does that once the records
// are in bbolt.
func openJournal(path string, id dbID, noSync bool, log *slog.Logger) (*wal, []journalRecord, error) {
	w := &wal{noSync: noSync, id: id, next: newWalBatch(), kick: make(chan struct{}, 1), nextGen: 1, maxPending: maxPending}
	w.idle = sync.NewCond(&w.mu)
	type found struct {
		gen  uint64
		recs []journalRecord
	}
	var seen []found
	created := false
	fail := func(err error) (*wal, []journalRecord, error) {
		w.close()
		return nil, nil, err
	}
	for i, p := range journalPaths(path) {
		data, err := os.ReadFile(p)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fail(fmt.Errorf("jobs: read journal %s: %w", p, err))
		}
		gen, fileID, recs, ok := parseJournal(data)
		if ok && fileID != id && len(recs) > 0 {
			aside := fmt.Sprintf("%s.orphaned-%s", p, time.Now().UTC().Format("20060102T150405Z"))
			if err := os.Rename(p, aside); err != nil {
				return fail(fmt.Errorf("jobs: set aside journal %s of another database: %w", p, err))
			}
			log.Warn("jobs: journal file holds records of another database (swapped or recreated file?); set aside, not replayed",
				"db", path, "journal", aside, "records", len(recs))
			data, ok = nil, false
		}
		if ok {
			w.nextGen = max(w.nextGen, gen+1)
			if fileID == id {
				seen = append(seen, found{gen, recs})
			}
		}
		f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return fail(fmt.Errorf("jobs: open journal: %w", err))
		}
		w.files[i] = &journalFile{f: f, path: p, gen: gen} // emptyBoth goes by age
		if len(data) < journalPrealloc {
			created = created || len(data) == 0
			if err := zeroFill(f, int64(len(data)), journalPrealloc); err != nil {
				return fail(fmt.Errorf("jobs: prepare journal %s: %w", p, err))
			}
		}
	}
	if created && !noSync {
		// A new file's name must be durable before records in it count.
		if err := syncDir(filepath.Dir(path)); err != nil {
			return fail(fmt.Errorf("jobs: prepare journal: %w", err))
		}
	}
	slices.SortFunc(seen, func(a, b found) int { return cmp.Compare(a.gen, b.gen) })
	var recs []journalRecord
	for _, s := range seen {
		recs = append(recs, s.recs...)
	}
	return w, recs, nil
}

// zeroFill writes zeros from off to size and syncs: overwriting written
// blocks later needs no allocation, unlike fallocate's unwritten extents.
func zeroFill(f *os.File, off, size int64) error {
	zeros := make([]byte, 256<<10)
	for off < size {
		n := min(int64(len(zeros)), size-off)
		if _, err := f.WriteAt(zeros[:n], off); err != nil {
			return err
		}
		off += n
	}
	return f.Sync()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
