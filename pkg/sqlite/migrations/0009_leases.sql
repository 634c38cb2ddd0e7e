-- A pass over a mailbox holds its lease: one row per mailbox, the holder
-- ("host:pid:random") and until when. Another pass finding an unexpired
-- lease of someone else skips the mailbox (or waits).
CREATE TABLE leases (
    mailbox     TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    acquired_at TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
