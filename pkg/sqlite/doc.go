// Package sqlite is poller's embedded CRM store: the pkg/crmstore store
// on an SQLite database (github.com/mattn/go-sqlite3), in WAL mode with
// synchronous=FULL, each connection keeping its prepared statements.
//
// The schema lives in migrations/*.sql, embedded and applied in order, in
// a transaction, when the store is opened. Full-text search uses FTS4
// tables (compiled into go-sqlite3 without build tags) with the unicode61
// tokenizer, ranked by BM25 functions registered on each connection (Open
// uses its own driver.Connector, not sql.Register).
package sqlite
