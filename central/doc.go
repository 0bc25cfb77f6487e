// Package central copies a station's attempts to a factory-wide PostgreSQL
// database and hands out factory-wide serial numbers in leased blocks.
//
// The station's bbolt store stays its first and durable record: the floor
// keeps flashing with the central server down. A Forwarder copies ended
// and interrupted attempts (steps and log lines included) in id order, in
// batches of one transaction each, idempotently by (station, attempt id),
// backing off while the server is unreachable. A Leaser keeps a block of
// numbers of each serial series in the local store (jobs.Store blocks), so
// an offline station goes on with the block it holds. Query answers QA
// across every station.
//
// Schema: versioned migrations embedded in the binary (migrations/,
// applied with golang-migrate, https://github.com/golang-migrate/migrate);
// a database whose schema is newer than the binary is refused, not touched.
//
// Sources: pgx v5 (https://pkg.go.dev/github.com/jackc/pgx/v5), PostgreSQL
// 15 manual: INSERT … ON CONFLICT (§ SQL Commands), SELECT … FOR UPDATE
// (§13.3.2 row-level locks), SQLSTATE codes (Appendix A).
package central
