// Package sqlite is poller's CRM store: an embedded SQLite database
// (github.com/mattn/go-sqlite3) holding users, companies, contacts, deals,
// logged emails with their associations and attachments, the raw messages
// (content-addressed) and the intake log of every message processed.
//
// The schema lives in migrations/*.sql, embedded and applied in order, in a
// transaction, when the store is opened. Store.Record writes a batch of
// decisions in one transaction with a savepoint per message, so a message
// that fails costs only itself.
//
// The web app reads through the methods of web.Store (pkg/web), which take
// a view.Viewer and return pkg/view's read models: what the viewer may not
// see is ErrNotFound (which is view.ErrNotFound), like what does not exist.
// Lists are paged and read with a fixed number of queries. Full-text
// search uses FTS4 tables (compiled into go-sqlite3 without build tags)
// with the unicode61 tokenizer, kept by triggers in the writing
// transaction, ranked by a BM25 function the store registers on each
// connection (Open uses its own driver.Connector, not sql.Register).
package sqlite
