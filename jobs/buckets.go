package jobs

import (
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

// present is the value of set-like buckets (running, by_uid, free): a
// non-empty marker, because bbolt's Get cannot tell a nil value written in
// the same transaction from a missing key.
var present = []byte{1}
