package jobs

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// ErrInUse is returned by Open when another process (or another Open in
// this one) holds the file and Options.Timeout passed.
var ErrInUse = errors.New("jobs: database is in use")

// ErrNotFound is returned when an attempt, unit or database does not exist.
var ErrNotFound = errors.New("jobs: not found")

// ErrReadOnly is returned by writes to a store opened read-only.
var ErrReadOnly = errors.New("jobs: store is open read-only")

// DefaultTimeout is how long Open waits for the file lock.
const DefaultTimeout = time.Second

// Options tune Open. The zero value opens for writing with DefaultTimeout.
type Options struct {
	// Timeout bounds the wait for the file lock; zero means DefaultTimeout.
	Timeout time.Duration
	// ReadOnly shares the file with other read-only openers, never with a
	// writer. Crash recovery is skipped, so interrupted attempts still read
	// "running" until a writer opens the file.
	ReadOnly bool
	// NoSync skips fsync: for benchmarks that build big stores, never for
	// stations (a power cut would lose committed attempts).
	NoSync bool
	// Logger receives crash-recovery notes; nil means slog.Default().
	Logger *slog.Logger

	// LeasedSerials: serial numbers come only from blocks a central
	// database leased to this station (AddBlock; lease.go), never from a
	// series the recipe starts on its own.
	LeasedSerials bool

	// applyEvery overrides DefaultApplyEvery (tests).
	applyEvery time.Duration
	// ioFault stands for the disk (tests): while it returns an error,
	// journal writes and bbolt commits fail with it.
	ioFault func() error
}

// Store is an open attempt database. Its methods are safe for concurrent
// use. It must be closed.
type Store struct {
	db       *bolt.DB
	path     string
	readOnly bool
	leased   bool // Options.LeasedSerials
	log      *slog.Logger
	ids      idGen
	beginMu  sync.Mutex // Begin's id and running mark, against horizon
	// beginHook runs in Begin between taking the id and journaling it (tests).
	beginHook func(ID)
	group     group
	journal   *wal // nil when read-only
	running   runningSet
	stop      chan struct{} // ends applyLoop
	stopped   chan struct{}
	closing   sync.Once
	closeErr  error
	// unrecovered: a read-only store showing a crashed writer's file as it
	// stands, because this process could not recover it (why).
	unrecovered error
}

// Open opens or creates the attempt database at path. Writable opens create
// the parent directory, create missing buckets, and recover attempts left
// running by a process that died (see recoverTx).
func Open(path string, opts Options) (*Store, error) {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	opts.Timeout, opts.Logger = timeout, log
	if opts.ReadOnly {
		// bbolt would create an empty file; a reader asking for a file that
		// is not there has the wrong path.
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, errorOf(ErrNotFound, "jobs: no database at %s (nothing recorded yet, or wrong --db / FLASHSTATION_DB?)", path)
		}
	} else if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("jobs: create directory for %s: %w", path, err)
	}
	if err := checkBeforeOpen(path, timeout); err != nil {
		return nil, err
	}
	db, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: timeout, ReadOnly: opts.ReadOnly, NoSync: opts.NoSync, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, errorOf(ErrInUse, "jobs: database %s is in use by another process (is flashstation serve running?)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: open %s: %w", path, err)
	}
	s := &Store{db: db, path: path, readOnly: opts.ReadOnly, log: log, leased: opts.LeasedSerials}
	s.group.db = db
	if opts.ReadOnly {
		if err := s.initReadOnly(); err != nil {
			db.Close()
			return nil, err
		}
		if s.needsRecovery() {
			// A writer died with records in its journal or attempts
			// running: show what it recorded, as a station restart would.
			db.Close()
			return openRecovered(path, opts)
		}
		return s, nil
	}
	if err := s.init(opts.NoSync); err != nil {
		db.Close()
		return nil, err
	}
	s.journal.ioFault, s.group.ioFault = opts.ioFault, opts.ioFault
	every := opts.applyEvery
	if every <= 0 {
		every = DefaultApplyEvery
	}
	s.stop, s.stopped = make(chan struct{}), make(chan struct{})
	go s.applyLoop(every, s.stop, s.stopped)
	return s, nil
}

// checkBeforeOpen walks the pages of an existing file (checkPages) while
// holding bbolt's shared lock, and refuses a damaged file with ErrDamaged
// before bbolt touches its tree: a writable bbolt open walks every page
// and panics, in a goroutine of its own, on what it cannot read.
func checkBeforeOpen(path string, timeout time.Duration) error {
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		return nil // nothing yet: bbolt creates it, or reports why not
	}
	db, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: timeout, ReadOnly: true})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return errorOf(ErrInUse, "jobs: database %s is in use by another process (is flashstation serve running?)", path)
	}
	if errors.Is(err, fs.ErrPermission) {
		return nil // let the real open say so
	}
	// bbolt refused the file (both meta pages bad): the walk says why in
	// the same words as any other damage.
	rep, cerr := checkPages(path)
	if db != nil {
		db.Close()
	}
	switch {
	case cerr != nil:
		return cerr
	case !rep.OK():
		return rep.damaged()
	case err != nil:
		return fmt.Errorf("jobs: open %s: %w", path, err)
	}
	return nil
}

// openRecovered opens path for writing once, which replays its journal and
// marks running attempts interrupted, then opens it read-only again. Where
// this process may not write the file (a copy on read-only media), it
// warns and shows the file as it stands.
func openRecovered(path string, opts Options) (*Store, error) {
	w := opts
	w.ReadOnly = false
	ws, err := Open(path, w)
	var unrecovered error
	switch {
	case err == nil:
		if err := ws.Close(); err != nil {
			return nil, err
		}
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EROFS):
		unrecovered = err
		opts.Logger.Warn("jobs: the last writer of this database stopped without closing it and it cannot be recovered from here (read-only file): attempts it was recording read as running or are missing",
			"db", path, "err", err)
	default:
		return nil, err
	}
	db, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: opts.Timeout, ReadOnly: true})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, errorOf(ErrInUse, "jobs: database %s is in use by another process (is flashstation serve running?)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: open %s: %w", path, err)
	}
	s := &Store{db: db, path: path, readOnly: true, log: opts.Logger, unrecovered: unrecovered}
	s.group.db = db
	if err := s.initReadOnly(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) initReadOnly() error {
	return s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketAttempts) == nil {
			return fmt.Errorf("jobs: %s is not an attempt database (no %s bucket)", s.path, bucketAttempts)
		}
		return nil
	})
}

// needsRecovery reports a read-only store whose last writer died: attempts
// still running, or records left in a journal file.
func (s *Store) needsRecovery() bool {
	running := false
	s.db.View(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketRunning).Cursor().First()
		running = k != nil
		return nil
	})
	if running {
		return true
	}
	for _, p := range journalPaths(s.path) {
		if journalHasRecords(p) {
			return true
		}
	}
	return false
}

// init opens the journal, replays what it holds into bbolt, marks attempts
// a dead process left running interrupted, and empties the journal.
func (s *Store) init(noSync bool) error {
	id, stored, err := s.journalID()
	if err != nil {
		return fmt.Errorf("jobs: open %s: %w", s.path, err)
	}
	journal, recs, err := openJournal(s.path, id, noSync, s.log)
	if err != nil {
		return err
	}
	var recovered []ID
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := createBuckets(tx); err != nil {
			return err
		}
		if !stored {
			if err := tx.Bucket(bucketMeta).Put(metaJournalID, id[:]); err != nil {
				return err
			}
		}
		if err := applyRecordsTx(tx, recs); err != nil {
			return fmt.Errorf("replay journal: %w", err)
		}
		if k, _ := tx.Bucket(bucketAttempts).Cursor().Last(); k != nil {
			s.ids.last = idFromKey(k)
		}
		var err error
		recovered, err = recoverTx(tx, time.Now())
		return err
	})
	if err == nil {
		err = journal.emptyBoth()
	}
	if err != nil {
		journal.close()
		return fmt.Errorf("jobs: open %s: %w", s.path, err)
	}
	s.journal, s.group.journal = journal, journal
	if len(recs) > 0 {
		s.log.Info("jobs: replayed the journal the last process left", "db", s.path, "records", len(recs))
	}
	for _, id := range recovered {
		s.log.Warn("jobs: attempt was running when the last process stopped; marked interrupted",
			"db", s.path, "attempt", id.String())
	}
	return nil
}

// journalID reads the id that ties journal files to this database, or
// makes a new one (stored false) for a database that has none yet.
func (s *Store) journalID() (id dbID, stored bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		if meta := tx.Bucket(bucketMeta); meta != nil {
			if v := meta.Get(metaJournalID); len(v) == len(id) {
				copy(id[:], v)
				stored = true
			}
		}
		return nil
	})
	if err == nil && !stored {
		_, err = rand.Read(id[:])
	}
	return id, stored, err
}

// recoverTx marks every running attempt interrupted and settles every
// serial reservation as not passed: a number Spend marked is burned (it may
// be on the board), any other released. It runs only while this process holds the exclusive
// lock, so no reservation can belong to a live attempt.
func recoverTx(tx *bolt.Tx, now time.Time) ([]ID, error) {
	var ids []ID
	uids := map[ID]string{}
	running := tx.Bucket(bucketRunning)
	if err := running.ForEach(func(k, v []byte) error {
		ids = append(ids, idFromKey(k))
		uids[idFromKey(k)] = uidOfRunning(v)
		return nil
	}); err != nil {
		return nil, err
	}
	for _, id := range ids {
		a, err := getTx(tx, id)
		if err != nil {
			return nil, err
		}
		a.Result = Interrupted
		a.Ended = a.lastActivity()
		if a.Error == "" {
			a.Error = "interrupted: the station stopped before the attempt ended (recovered " + now.UTC().Format(time.RFC3339) + ")"
		}
		uid := uids[id]
		if uid == "" {
			uid = a.UnitUID
		}
		if a.Serials, err = releaseAllTx(tx, id, uid); err != nil {
			return nil, err
		}
		if err := putTx(tx, a); err != nil {
			return nil, err
		}
		if err := running.Delete(id.key()); err != nil {
			return nil, err
		}
	}
	// Reservations of attempts that were not in running (none should
	// exist) are stale too: give their numbers back.
	var stale []ID
	if err := tx.Bucket(bucketReservations).ForEach(func(k, _ []byte) error {
		stale = append(stale, idFromKey(k[:8]))
		return nil
	}); err != nil {
		return nil, err
	}
	for _, id := range stale {
		if _, err := releaseAllTx(tx, id, ""); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// Path is the file this store was opened from.
func (s *Store) Path() string { return s.path }

// Close copies the journal into bbolt, empties it, and releases the file
// and its lock. Writes must have returned before Close is called. Closing
// twice returns the first Close's result.
func (s *Store) Close() error {
	s.closing.Do(func() { s.closeErr = s.close() })
	return s.closeErr
}

func (s *Store) close() error {
	var errs []error
	if s.journal != nil {
		close(s.stop)
		<-s.stopped
		err := s.flush(context.Background())
		if err == nil {
			err = s.journal.emptyBoth()
		}
		if err != nil {
			// The records stay in the journal; the next Open replays them.
			errs = append(errs, err)
		}
		errs = append(errs, s.journal.close())
	}
	if err := s.db.Close(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("jobs: close %s: %w", s.path, err)
	}
	return nil
}

func getTx(tx *bolt.Tx, id ID) (*Attempt, error) {
	v := tx.Bucket(bucketAttempts).Get(id.key())
	if v == nil {
		return nil, errorOf(ErrNotFound, "jobs: no attempt %s", id)
	}
	return decodeAttempt(id, v)
}

// kindError is a full message that also matches a sentinel with errors.Is,
// so the line a user reads does not end in the sentinel's text again.
type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

func errorOf(kind error, format string, args ...any) error {
	return &kindError{msg: fmt.Sprintf(format, args...), kind: kind}
}
