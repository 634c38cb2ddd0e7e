-- What changed an intake row after it was first recorded: "poller
-- reprocess" deciding it again under the current rules (and, later, the
-- web app's actions on a rejected item). The intake row itself always holds
-- the current outcome; this is its history, newest last.
CREATE TABLE intake_changes (
    id               INTEGER PRIMARY KEY,
    intake_id        INTEGER NOT NULL REFERENCES intake(id) ON DELETE CASCADE,
    action           TEXT NOT NULL,                -- 'reprocess'
    actor            TEXT NOT NULL DEFAULT '',     -- a user's address; '' for the command line
    changed_at       TEXT NOT NULL,
    old_outcome      TEXT NOT NULL,
    old_reason       TEXT NOT NULL DEFAULT '',
    old_detail       TEXT NOT NULL DEFAULT '',
    old_email_id     INTEGER,
    new_outcome      TEXT NOT NULL,
    new_reason       TEXT NOT NULL DEFAULT '',
    new_detail       TEXT NOT NULL DEFAULT '',
    new_email_id     INTEGER,
    created_emails   TEXT NOT NULL DEFAULT '[]'    -- JSON ids of the emails the change logged (for an undo)
);
CREATE INDEX intake_changes_intake ON intake_changes(intake_id, id);
