// Package jobs records every flashing attempt in a bbolt file and answers
// QA's questions about them: every attempt of one unit, attempts in a time
// range, by result, recipe or slot; exports as JSON lines or CSV; hot backups.
//
// An attempt is written twice: when it starts (result "running") and when it
// ends. A process that dies in between leaves a running record; the next
// writable Open marks it "interrupted" and settles its serial numbers: one
// that may have reached the board (Spend) is burned against the attempt and
// its unit, never given to another unit; one that never left the station
// is released for the next board. Nothing recorded is lost, and no number
// is skipped that a board cannot carry (serial.go tells a number's life).
//
// Begin, Checkpoint and Finish are durable when they return, but they do
// not commit to bbolt themselves: a bbolt commit costs two fdatasyncs plus
// page writes, and with a station's 16 or 48 workers that put recording at
// about 2 ms per attempt. They append a record to a journal instead
// (PATH.journal0 and PATH.journal1, one fdatasync shared by every writer
// waiting; journal.go, wal.go), and a background round copies the records
// into bbolt ten times a second in one commit, then empties the journal
// file. Records hold plain JSON; the round compresses it (codec.go), so the
// costly part of encoding is off the writers' path. Every read, reservation and backup first copies what is pending,
// so readers see each write that returned. Open replays whatever a dead
// process left in the journal, before marking running attempts
// interrupted; a clean Close leaves the journal empty. Serial reservations
// stay direct bbolt commits: handing out a number needs the series state.
//
// Layout (all buckets are declared in buckets.go and created at Open):
//
//	attempts      id(8, big-endian, time-ordered)        -> attempt JSON
//	by_uid        uid hex + 0x00 + id(8)                  -> empty
//	running       id(8)                                   -> empty
//	reservations  id(8) + series                          -> number(8) ['s' once spent]
//	serials/NAME  "state" -> {first,next}; sub-buckets free, reserved,
//	              committed, burned: number(8) -> id(8); units: uid -> the
//	              unit's burned number(8), for its rerun
//
// "units show UID" is one prefix scan of by_uid and a point get per attempt,
// so its cost does not grow with the number of attempts in the file.
//
// bbolt holds an flock for as long as a file is open: one writer excludes
// everyone else; read-only opens share the file with each other only. A
// second opener gets ErrInUse after Options.Timeout instead of hanging.
// Only the writer touches the journal. A read-only Open of a file whose
// writer died (journal records, or attempts still running) first opens it
// for writing once to recover it, as a station restart would.
//
// Sources: bbolt README (Batch, Tx.WriteTo, read-only mode) at
// https://github.com/etcd-io/bbolt.
package jobs
