// Package sqlite is poller's CRM store: an embedded SQLite database
// (github.com/mattn/go-sqlite3) holding users, companies, contacts, deals,
// logged emails with their associations and attachments, the raw messages
// (content-addressed) and the intake log of every message processed.
//
// The schema lives in migrations/*.sql, embedded and applied in order, in a
// transaction, when the store is opened. Store.Record writes a batch of
// decisions in one transaction with a savepoint per message, so a message
// that fails costs only itself.
package sqlite
