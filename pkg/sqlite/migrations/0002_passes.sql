-- One row per pass over a mailbox, for "poller status" and health.
CREATE TABLE passes (
    id          INTEGER PRIMARY KEY,
    mailbox     TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    seen        INTEGER NOT NULL DEFAULT 0,
    logged      INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    duplicate   INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    quarantined INTEGER NOT NULL DEFAULT 0,
    reconnects  INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT ''   -- why the pass could not finish; '' when it did
);
CREATE INDEX passes_finished ON passes(finished_at);

-- Who sent it and what it was about, so that "why wasn't my email logged?"
-- is answered from the intake log alone.
ALTER TABLE intake ADD COLUMN from_address TEXT NOT NULL DEFAULT '';
ALTER TABLE intake ADD COLUMN subject TEXT NOT NULL DEFAULT '';
