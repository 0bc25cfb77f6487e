package jobs

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Every top-level bucket, in one place. Open creates the missing ones, so a
// new bucket is one line here.
var (
	bucketAttempts     = []byte("attempts")     // id -> attempt JSON
	bucketByUID        = []byte("by_uid")       // uid 0x00 id -> empty
	bucketRunning      = []byte("running")      // id -> empty
	bucketReservations = []byte("reservations") // id series -> number
	bucketSerials      = []byte("serials")      // series name -> sub-bucket
	bucketMeta         = []byte("meta")         // "schema" -> version

	allBuckets = [][]byte{bucketAttempts, bucketByUID, bucketRunning, bucketReservations, bucketSerials, bucketMeta}
)

// metaJournalID is the meta key of the random id every journal header of
// this database carries (journal.go).
var metaJournalID = []byte("journal-id")

// Sub-buckets and keys of one serial series.
var (
	seriesState     = []byte("state")     // {first,next} JSON
	seriesFree      = []byte("free")      // number -> empty: released, reused lowest first
	seriesReserved  = []byte("reserved")  // number -> id of the attempt holding it
	seriesCommitted = []byte("committed") // number -> id of the attempt that passed
	seriesBurned    = []byte("burned")    // number -> id of the attempt that spent it and did not pass
	seriesUnits     = []byte("units")     // unit uid -> burned number(8), handed back to that unit's rerun

	seriesSubs = [][]byte{seriesFree, seriesReserved, seriesCommitted, seriesBurned, seriesUnits}
)

const schemaVersion = "1"

// appendFill is the page fill factor for buckets whose keys arrive in
// ascending order (ids): full pages instead of bbolt's half-full default.
const appendFill = 0.95

func createBuckets(tx *bolt.Tx) error {
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("jobs: create bucket %s: %w", name, err)
		}
	}
	meta := tx.Bucket(bucketMeta)
	switch v := meta.Get([]byte("schema")); {
	case v == nil:
		return meta.Put([]byte("schema"), []byte(schemaVersion))
	case string(v) != schemaVersion:
		return fmt.Errorf("jobs: database schema %q, this build reads %q", v, schemaVersion)
	}
	return nil
}

// uidKey is the by_uid key: a hex UID never contains 0x00, so "uid 0x00"
// is a prefix of this unit's keys and of no other unit's.
func uidKey(uid string, id ID) []byte {
	k := make([]byte, 0, len(uid)+9)
	k = append(k, uid...)
	k = append(k, 0)
	return append(k, id.key()...)
}

func uidPrefix(uid string) []byte { return append([]byte(uid), 0) }

func reservationKey(id ID, series string) []byte {
	return append(id.key(), series...)
}

// A reservation's value is the number (8 bytes, big-endian), followed by
// spentMark once Spend said the number may be on the board. Files written
// before Spend existed hold bare 8-byte values: not spent.
const spentMark = 's'

func reservationValue(n uint64, spent bool) []byte {
	v := u64(n)
	if spent {
		v = append(v, spentMark)
	}
	return v
}

func parseReservation(v []byte) (n uint64, spent bool) {
	return binary.BigEndian.Uint64(v), len(v) > 8 && v[8] == spentMark
}

// present is the value of set-like buckets (running, by_uid, free): a
// non-empty marker, because bbolt's Get cannot tell a nil value written in
// the same transaction from a missing key.
var present = []byte{1}
