package jobs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// ErrDamaged is returned by Open for a file whose pages do not form a
// sound bbolt tree (random bytes over pages, a file cut short): bbolt
// itself would panic on it, some of that in goroutines no caller can
// recover, so the file is walked first (checkPages) and refused with one
// line naming it.
var ErrDamaged = errors.New("jobs: database is damaged")

// The page layout checkPages reads, from bbolt v1.4 internal/common
// (page.go, meta.go, bucket.go; little-endian on every platform a station
// runs on): a page header is id u64 | flags u16 | count u16 | overflow u32;
// the meta sits right behind page 0's and page 1's headers; a branch
// element is pos u32 | ksize u32 | pgid u64 and a leaf element flags u32 |
// pos u32 | ksize u32 | vsize u32, pos counted from the element itself; a
// bucket's value is root pgid u64 | sequence u64, followed by the bucket's
// own leaf page when root is 0 (an inline bucket).
const (
	pageHeaderSize  = 16
	elementSize     = 16
	bucketHeader    = 16
	boltMagic       = 0xED0CDAED
	boltVersion     = 2
	flagBranch      = 0x01
	flagLeaf        = 0x02
	leafBucketEntry = 0x01
	metaSumBytes    = 56 // the meta fields before its checksum
	// maxProblems bounds the report of a file full of garbage.
	maxProblems = 50
)

// CheckReport is what CheckFile found.
type CheckReport struct {
	Path     string   `json:"path"`
	Size     int64    `json:"size"`      // bytes
	PageSize int      `json:"page_size"` // bytes
	Pages    int      `json:"pages"`     // reachable pages walked
	Problems []string `json:"problems"`  // empty for a sound file
	// More counts problems beyond the ones listed.
	More int `json:"more,omitempty"`
}

// OK reports a file without problems.
func (r *CheckReport) OK() bool { return len(r.Problems) == 0 }

func (r *CheckReport) addf(format string, args ...any) {
	if len(r.Problems) >= maxProblems {
		r.More++
		return
	}
	r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
}

// damaged is Open's one line about a report with problems.
func (r *CheckReport) damaged() error {
	n := len(r.Problems) + r.More
	more := ""
	if n > 1 {
		more = fmt.Sprintf("; %d problems in all", n)
	}
	return errorOf(ErrDamaged, "jobs: database %s is damaged (%s%s): restore a backup (made by `flashstation db backup`); `flashstation db check --db %s` lists what is damaged",
		r.Path, r.Problems[0], more, r.Path)
}

type pageWalk struct {
	f        io.ReaderAt
	rep      *CheckReport
	pageSize uint64
	hwm      uint64 // meta's page count: ids at or above it are not in use
	seen     map[uint64]bool
}

// checkPages walks every page reachable from the newest valid meta page of
// the bbolt file at path, reading it with plain reads (never through a
// memory map, so a short file cannot fault), and reports every page that
// bbolt could not use safely: out of range or past the end of the file,
// referenced twice, of the wrong type, elements outside the page, keys out
// of order. It does not take bbolt's lock: callers hold it.
func checkPages(path string) (*CheckReport, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("jobs: check %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("jobs: check %s: %w", path, err)
	}
	rep := &CheckReport{Path: path, Size: fi.Size()}
	if !fi.Mode().IsRegular() {
		rep.addf("not a regular file")
		return rep, nil
	}
	root, w := pickMeta(f, rep)
	if w == nil {
		return rep, nil
	}
	if need := w.hwm * w.pageSize; uint64(fi.Size()) < need {
		rep.addf("file is %d bytes, its meta page says %d pages of %d bytes (%d bytes): cut short", fi.Size(), w.hwm, w.pageSize, need)
		return rep, nil
	}
	w.tree(root, "", nil, nil)
	rep.Pages = len(w.seen)
	return rep, nil
}

// pickMeta reads both meta pages and returns the root bucket's page of
// the valid one with the higher transaction id, as bbolt does.
func pickMeta(f io.ReaderAt, rep *CheckReport) (uint64, *pageWalk) {
	type meta struct {
		pageSize, root, pgid, txid uint64
		err                        string
	}
	read := func(off int64) meta {
		b := make([]byte, pageHeaderSize+64)
		if _, err := f.ReadAt(b, off); err != nil {
			return meta{err: "cannot be read: " + err.Error()}
		}
		m := b[pageHeaderSize:]
		h := fnv.New64a()
		h.Write(m[:metaSumBytes])
		switch {
		case binary.LittleEndian.Uint32(m) != boltMagic:
			return meta{err: "is not a bbolt meta page (no magic number)"}
		case binary.LittleEndian.Uint32(m[4:]) != boltVersion:
			return meta{err: fmt.Sprintf("has bbolt file version %d (want %d)", binary.LittleEndian.Uint32(m[4:]), boltVersion)}
		case h.Sum64() != binary.LittleEndian.Uint64(m[metaSumBytes:]):
			return meta{err: "checksum does not match"}
		}
		return meta{pageSize: uint64(binary.LittleEndian.Uint32(m[8:])), root: binary.LittleEndian.Uint64(m[16:]),
			pgid: binary.LittleEndian.Uint64(m[40:]), txid: binary.LittleEndian.Uint64(m[48:])}
	}
	m0 := read(0)
	off1 := int64(os.Getpagesize())
	if m0.err == "" {
		off1 = int64(m0.pageSize)
	}
	m1 := read(off1)
	best := m0
	switch {
	case m0.err != "" && m1.err != "":
		rep.addf("meta page 0 %s and meta page 1 %s: not a database, or both its headers are destroyed", m0.err, m1.err)
		return 0, nil
	case m0.err != "" || (m1.err == "" && m1.txid > m0.txid):
		best = m1
	}
	if best.pageSize < 1024 || best.pageSize > 1<<20 || best.pageSize&(best.pageSize-1) != 0 {
		rep.addf("meta page gives page size %d", best.pageSize)
		return 0, nil
	}
	rep.PageSize = int(best.pageSize)
	return best.root, &pageWalk{f: f, rep: rep, pageSize: best.pageSize, hwm: best.pgid, seen: map[uint64]bool{}}
}

// readPage reads page id with its overflow pages, or reports why not.
func (w *pageWalk) readPage(id uint64, where string) []byte {
	if id < 2 || id >= w.hwm {
		w.rep.addf("page %d%s: out of range (the file has pages 2 to %d)", id, where, w.hwm-1)
		return nil
	}
	head := make([]byte, w.pageSize)
	if _, err := w.f.ReadAt(head, int64(id*w.pageSize)); err != nil {
		w.rep.addf("page %d%s: cannot be read: %v", id, where, err)
		return nil
	}
	if got := binary.LittleEndian.Uint64(head); got != id {
		w.rep.addf("page %d%s: its header says page %d", id, where, got)
		return nil
	}
	over := uint64(binary.LittleEndian.Uint32(head[12:]))
	if id+over >= w.hwm {
		w.rep.addf("page %d%s: %d overflow pages run past the last page %d", id, where, over, w.hwm-1)
		return nil
	}
	for i := id; i <= id+over; i++ {
		if w.seen[i] {
			w.rep.addf("page %d%s: referenced twice", i, where)
			return nil
		}
		w.seen[i] = true
	}
	if over == 0 {
		return head
	}
	p := make([]byte, (over+1)*w.pageSize)
	if _, err := w.f.ReadAt(p, int64(id*w.pageSize)); err != nil {
		w.rep.addf("page %d%s: cannot be read: %v", id, where, err)
		return nil
	}
	return p
}

func in(bucket string) string {
	if bucket == "" {
		return ""
	}
	return fmt.Sprintf(" (bucket %s)", bucket)
}

// tree checks the subtree at page id of bucket, whose keys must lie in
// [lo, hi) (nil: unbounded), and returns its largest key.
func (w *pageWalk) tree(id uint64, bucket string, lo, hi []byte) []byte {
	p := w.readPage(id, in(bucket))
	if p == nil {
		return nil
	}
	return w.page(p, id, bucket, lo, hi, false)
}

// page checks one branch or leaf page (a tree page, or an inline bucket's
// page held in a value when inline).
func (w *pageWalk) page(p []byte, id uint64, bucket string, lo, hi []byte, inline bool) []byte {
	flags := binary.LittleEndian.Uint16(p[8:])
	count := int(binary.LittleEndian.Uint16(p[10:]))
	where := fmt.Sprintf("page %d%s", id, in(bucket))
	if inline {
		where = "inline page of bucket " + bucket
	}
	if flags != flagBranch && flags != flagLeaf || inline && flags != flagLeaf {
		w.rep.addf("%s: invalid page type 0x%02x", where, flags)
		return nil
	}
	if pageHeaderSize+count*elementSize > len(p) {
		w.rep.addf("%s: %d elements do not fit the page", where, count)
		return nil
	}
	prev, last := lo, []byte(nil)
	for i := 0; i < count; i++ {
		e := p[pageHeaderSize+i*elementSize:]
		eoff := pageHeaderSize + i*elementSize
		var pos, ksize, vsize, eflags, child uint64
		if flags == flagBranch {
			pos, ksize = uint64(binary.LittleEndian.Uint32(e)), uint64(binary.LittleEndian.Uint32(e[4:]))
			child = binary.LittleEndian.Uint64(e[8:])
		} else {
			eflags, pos = uint64(binary.LittleEndian.Uint32(e)), uint64(binary.LittleEndian.Uint32(e[4:]))
			ksize, vsize = uint64(binary.LittleEndian.Uint32(e[8:])), uint64(binary.LittleEndian.Uint32(e[12:]))
		}
		start := uint64(eoff) + pos
		if start+ksize+vsize > uint64(len(p)) {
			w.rep.addf("%s: element %d lies outside the page", where, i)
			return nil
		}
		key := p[start : start+ksize]
		if (i > 0 && bytes.Compare(prev, key) >= 0) || (i == 0 && prev != nil && bytes.Compare(prev, key) > 0) || (hi != nil && bytes.Compare(key, hi) >= 0) {
			w.rep.addf("%s: key %d out of order", where, i)
			return nil
		}
		if flags == flagBranch {
			next := hi
			if i+1 < count {
				n := p[pageHeaderSize+(i+1)*elementSize:]
				npos, nk := uint64(binary.LittleEndian.Uint32(n)), uint64(binary.LittleEndian.Uint32(n[4:]))
				if s := uint64(eoff+elementSize) + npos; s+nk <= uint64(len(p)) {
					next = p[s : s+nk]
				}
			}
			last = w.tree(child, bucket, key, next)
			if last == nil {
				last = key
			}
			prev = last
			continue
		}
		prev, last = key, key
		if eflags&leafBucketEntry != 0 {
			if inline {
				w.rep.addf("%s: a bucket inside an inline bucket", where)
				continue
			}
			w.bucket(p[start+ksize:start+ksize+vsize], childName(bucket, key))
		}
	}
	return last
}

// bucket checks a sub-bucket from its value in the parent's leaf.
func (w *pageWalk) bucket(v []byte, name string) {
	if len(v) < bucketHeader {
		w.rep.addf("bucket %s: header of %d bytes", name, len(v))
		return
	}
	if root := binary.LittleEndian.Uint64(v); root != 0 {
		w.tree(root, name, nil, nil)
		return
	}
	if len(v) < bucketHeader+pageHeaderSize {
		w.rep.addf("bucket %s: inline page of %d bytes", name, len(v)-bucketHeader)
		return
	}
	w.page(v[bucketHeader:], 0, name, nil, nil, true)
}

// childName names a sub-bucket for a report: printable keys as they are,
// others in hex.
func childName(parent string, key []byte) string {
	k := string(key)
	if strings.IndexFunc(k, func(r rune) bool { return r < 0x20 || r > 0x7e }) >= 0 {
		k = fmt.Sprintf("%x", key)
	}
	if parent == "" {
		return k
	}
	return parent + "/" + k
}

// CheckFile reports what is damaged in the attempt database at path: the
// page walk Open does, then, on a sound tree, bbolt's own Tx.Check (free
// pages, key order) and every attempt record and serial series decoded as
// a read would. It shares the file with readers and waits up to timeout
// for a writer's lock, like a read-only Open; it never writes or recovers.
func CheckFile(path string, timeout time.Duration) (*CheckReport, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, errorOf(ErrNotFound, "jobs: no database at %s (wrong --db / FLASHSTATION_DB?)", path)
	}
	db, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: timeout, ReadOnly: true})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, errorOf(ErrInUse, "jobs: database %s is in use by another process (is flashstation serve running?)", path)
	}
	rep, cerr := checkPages(path)
	if cerr != nil || !rep.OK() || err != nil {
		if db != nil {
			db.Close()
		}
		if cerr == nil && rep.OK() {
			cerr = fmt.Errorf("jobs: check %s: %w", path, err)
		}
		return rep, cerr
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		for e := range tx.Check() {
			rep.addf("bbolt: %v", e)
		}
		for _, name := range allBuckets {
			if tx.Bucket(name) == nil && !bytes.Equal(name, bucketMeta) {
				rep.addf("bucket %s is missing: not an attempt database, or its index was lost", name)
			}
		}
		if b := tx.Bucket(bucketAttempts); b != nil {
			b.ForEach(func(k, v []byte) error {
				if len(k) != 8 {
					rep.addf("bucket attempts: key %x is not an attempt id", k)
					return nil
				}
				if _, err := decodeAttempt(idFromKey(k), v); err != nil {
					rep.addf("%s", strings.TrimPrefix(err.Error(), "jobs: "))
				}
				return nil
			})
		}
		if b := tx.Bucket(bucketSerials); b != nil {
			b.ForEachBucket(func(name []byte) error {
				if _, _, err := openSeries(tx, string(name), 0, false); err != nil {
					rep.addf("%s", strings.TrimPrefix(err.Error(), "jobs: "))
				}
				return nil
			})
		}
		return nil
	})
	return rep, err
}
