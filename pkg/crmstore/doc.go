// Package crmstore is poller's CRM store, written once over database/sql
// for the databases under it (pkg/sqlite, pkg/postgres): users,
// companies, contacts, deals, logged emails with their associations and
// attachments, the raw messages (content-addressed, in chunks) and the
// intake log of every message processed. The CRM's rules (dedup keys,
// companies, deal associations, threads) are pkg/crm's; this package
// stores what they decide.
//
// The queries use ? placeholders and the SQL both SQLite and PostgreSQL
// speak; what differs is a Dialect, given by the adapter with the opened
// *sql.DB (New). Record writes a batch of decisions in one transaction;
// a message that fails costs only itself. Attachments are not stored
// apart from their message: Attachment decodes one from the raw message.
//
// The web app reads through the methods of web.Store (pkg/web), which take
// a view.Viewer and return pkg/view's read models: what the viewer may not
// see is ErrNotFound (which is view.ErrNotFound), like what does not exist.
// Lists are paged and read with a fixed number of queries. Full-text
// search runs on the dialect's index (SQLite's FTS4, PostgreSQL's
// tsvector columns), kept by triggers in the writing transaction.
//
// Leases keep one pass at a time on a mailbox: a row with holder and
// expiry, and where the dialect has them (PostgreSQL), a session lock
// held for the pass. CopyTo copies a whole store into an empty one and
// checksums every table. The conformance suite in storetest runs against
// every adapter.
package crmstore
