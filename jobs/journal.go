package jobs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"slices"
)

// The journal is how a write becomes durable in one fdatasync instead of
// bbolt's two (pages, then meta) plus page writes: Begin, Checkpoint and
// Finish append a record to a journal file and sync it; a background round
// copies the records into bbolt in one large commit and then empties the
// journal. Open replays whatever the last process left in it. See wal.go for
// the writer and apply.go for how records land in bbolt.
//
// A journal file is a header block and then frames:
//
//	header (journalHeaderSize bytes, only the first 36 used):
//	  magic "FSJRNL\x00\x01" | generation u64 LE | database id [16] |
//	  CRC-32C of the 32 bytes before
//	frame:
//	  payload length u32 LE | CRC-32C of the payload u32 LE | generation u64 LE | payload
//	payload:
//	  kind u8 | flags u8 | attempt id u64 BE | uid length u16 LE | uid | attempt value
//
// Emptying a file rewrites only its header with a new generation, so the
// frames of earlier generations stay on disk behind the header: a reader
// stops at the first frame whose generation is not the header's, whose CRC
// fails or whose length runs past the file. Because a batch is synced before
// the next is written, everything after such a frame was never acknowledged.
//
// The database id is a random value kept in the meta bucket: a journal
// is replayed only into the database it was written for, never into a
// file that was swapped or recreated beside it.
const (
	journalHeaderSize = 4096 // its own block: rewriting it never tears a frame
	journalMagic      = "FSJRNL\x00\x01"
	frameHeaderSize   = 16
	payloadFixedSize  = 1 + 1 + 8 + 2
	// maxPayload bounds one record (an attempt value is a few KiB; a
	// pathological one with thousands of log lines stays far below this).
	maxPayload = 64 << 20
	maxUIDLen  = 1<<16 - 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// recordKind is what a journal record does to its attempt.
type recordKind byte

const (
	recordBegin      recordKind = 1 // the attempt starts running
	recordCheckpoint recordKind = 2 // a running attempt's progress
	recordFinish     recordKind = 3 // the attempt ended; settle its serials
)

// Record flags.
const (
	flagPass    = 1 << 0 // finish: commit the reservations (else release)
	flagSerials = 1 << 1 // finish: the value lists serials
)

// journalRecord is one write as the journal holds it and apply.go plays it.
type journalRecord struct {
	kind  recordKind
	flags byte
	id    ID
	uid   string
	value []byte // the attempt as plain JSON; compressed on its way into bbolt
}

func (r *journalRecord) valid() error {
	if r.kind < recordBegin || r.kind > recordFinish {
		return fmt.Errorf("unknown record kind %d", r.kind)
	}
	if r.id == 0 {
		return errors.New("record without an attempt id")
	}
	if len(r.uid) > maxUIDLen {
		return fmt.Errorf("unit UID of %d bytes", len(r.uid))
	}
	if len(r.value) == 0 {
		return errors.New("record without an attempt value")
	}
	if n := payloadFixedSize + len(r.uid) + len(r.value); n > maxPayload {
		return fmt.Errorf("record of %d bytes (at most %d)", n, maxPayload)
	}
	return nil
}

// appendFrame appends r as one frame. The generation is left zero: the
// file it lands in is known only when its batch is written (setFrameGens).
func appendFrame(dst []byte, r *journalRecord) []byte {
	n := payloadFixedSize + len(r.uid) + len(r.value)
	start := len(dst)
	dst = slices.Grow(dst, frameHeaderSize+n)
	dst = append(dst, make([]byte, frameHeaderSize)...)
	dst = append(dst, byte(r.kind), r.flags)
	dst = binary.BigEndian.AppendUint64(dst, uint64(r.id))
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(r.uid)))
	dst = append(dst, r.uid...)
	dst = append(dst, r.value...)
	binary.LittleEndian.PutUint32(dst[start:], uint32(n))
	binary.LittleEndian.PutUint32(dst[start+4:], crc32.Checksum(dst[start+frameHeaderSize:], castagnoli))
	return dst
}

// setFrameGens stamps every frame in buf (whole frames, as appendFrame
// wrote them) with generation gen.
func setFrameGens(buf []byte, gen uint64) {
	for len(buf) >= frameHeaderSize {
		n := int(binary.LittleEndian.Uint32(buf))
		binary.LittleEndian.PutUint64(buf[8:], gen)
		buf = buf[frameHeaderSize+n:]
	}
}

// dbID ties journal files to their database (meta key "journal-id").
type dbID [16]byte

const journalHeaderUsed = 36

func encodeJournalHeader(gen uint64, id dbID) []byte {
	h := make([]byte, journalHeaderSize)
	copy(h, journalMagic)
	binary.LittleEndian.PutUint64(h[8:], gen)
	copy(h[16:32], id[:])
	binary.LittleEndian.PutUint32(h[32:], crc32.Checksum(h[:32], castagnoli))
	return h
}

// parseJournalHeader returns the file's generation and database id, or ok
// false when the header is missing or damaged. Damage can only come from a
// crash while the header was being rewritten, which happens once every
// record behind it is in bbolt, so such a file holds nothing to replay.
func parseJournalHeader(b []byte) (gen uint64, id dbID, ok bool) {
	if len(b) < journalHeaderUsed || string(b[:8]) != journalMagic {
		return 0, id, false
	}
	if crc32.Checksum(b[:32], castagnoli) != binary.LittleEndian.Uint32(b[32:]) {
		return 0, id, false
	}
	gen = binary.LittleEndian.Uint64(b[8:])
	copy(id[:], b[16:32])
	return gen, id, gen != 0
}

// parseJournal reads a whole journal file: its generation, database id
// and the records of that generation, up to the first frame that is not
// one. A file with a bad header has nothing to replay (see
// parseJournalHeader).
func parseJournal(b []byte) (gen uint64, id dbID, recs []journalRecord, ok bool) {
	gen, id, ok = parseJournalHeader(b)
	if !ok || len(b) < journalHeaderSize {
		return 0, id, nil, false
	}
	off := journalHeaderSize
	for {
		r, n, good := parseFrame(b[off:], gen)
		if !good {
			return gen, id, recs, true
		}
		recs = append(recs, r)
		off += n
	}
}

// parseFrame reads one frame of generation gen from the front of b.
func parseFrame(b []byte, gen uint64) (journalRecord, int, bool) {
	var r journalRecord
	if len(b) < frameHeaderSize {
		return r, 0, false
	}
	n := binary.LittleEndian.Uint32(b)
	if n < payloadFixedSize || n > maxPayload || int(n) > len(b)-frameHeaderSize {
		return r, 0, false
	}
	if binary.LittleEndian.Uint64(b[8:]) != gen {
		return r, 0, false
	}
	p := b[frameHeaderSize : frameHeaderSize+int(n)]
	if crc32.Checksum(p, castagnoli) != binary.LittleEndian.Uint32(b[4:]) {
		return r, 0, false
	}
	r.kind, r.flags = recordKind(p[0]), p[1]
	r.id = ID(binary.BigEndian.Uint64(p[2:]))
	ul := int(binary.LittleEndian.Uint16(p[10:]))
	if payloadFixedSize+ul > len(p) {
		return r, 0, false
	}
	r.uid = string(p[payloadFixedSize : payloadFixedSize+ul])
	r.value = bytes.Clone(p[payloadFixedSize+ul:])
	if r.valid() != nil {
		return r, 0, false
	}
	return r, frameHeaderSize + int(n), true
}

// journalHasRecords reads only as far as the first frame of file p: whether
// it holds anything to replay. A missing or unreadable file holds nothing.
func journalHasRecords(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, journalHeaderSize+frameHeaderSize)
	if _, err := io.ReadFull(f, head); err != nil {
		return false
	}
	gen, _, ok := parseJournalHeader(head)
	n := binary.LittleEndian.Uint32(head[journalHeaderSize:])
	if !ok || n < payloadFixedSize || n > maxPayload {
		return false
	}
	frame := make([]byte, frameHeaderSize+int(n))
	copy(frame, head[journalHeaderSize:])
	if _, err := io.ReadFull(f, frame[frameHeaderSize:]); err != nil {
		return false
	}
	_, _, good := parseFrame(frame, gen)
	return good
}
