-- Notices to send (issue 9): queued in the same transaction as the intake
-- row that earned them, sent after the commit, retried with backoff, marked
-- sent. message holds the exact bytes to send, so a retry sends the same
-- message (same Message-ID).
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    intake_id       INTEGER UNIQUE REFERENCES intake(id) ON DELETE SET NULL,
    email_id        INTEGER REFERENCES emails(id) ON DELETE SET NULL,
    raw_sha256      TEXT NOT NULL,           -- the message the notice is about
    reason          TEXT NOT NULL,           -- a rejection reason or attachment_dropped
    user_key        TEXT NOT NULL,           -- the rate limit's key (user's primary address)
    recipient       TEXT NOT NULL,           -- lower-case
    envelope_from   TEXT NOT NULL,
    envelope_to     TEXT NOT NULL,           -- JSON array of addresses
    message         BLOB NOT NULL,           -- RFC 5322, CRLF
    message_id      TEXT NOT NULL,           -- the notice's own, without brackets
    status          TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0, -- attempts started
    next_attempt_at TEXT NOT NULL,
    claimed_until   TEXT NOT NULL DEFAULT '', -- 'sending': the sender's lease
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    sent_at         TEXT NOT NULL DEFAULT ''
);
-- One notice per message, recipient and reason, whichever intake row (a
-- message moved back to INBOX is a new row) or pass saw it.
CREATE UNIQUE INDEX outbox_once ON outbox(raw_sha256, recipient, reason);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
CREATE INDEX outbox_user_sent ON outbox(user_key, sent_at);
