-- The web app's actions on a rejected item (issue 9, part 3): "log it on
-- a contact", "re-run the rules", "dismiss", each recorded in
-- intake_changes (who, when, what) and undoable.

-- A dismissed row leaves its user's list of messages that were not logged;
-- it keeps its outcome.
ALTER TABLE intake ADD COLUMN dismissed_at TEXT NOT NULL DEFAULT '';
ALTER TABLE intake ADD COLUMN dismissed_by TEXT NOT NULL DEFAULT '';
CREATE INDEX intake_open ON intake(from_address, outcome) WHERE dismissed_at = '';

-- intake_changes.action is now also 'log' (logged by hand on a contact),
-- 'dismiss', and 'rerun' (the rules re-run from the web app and nothing
-- changed; a re-run that changes the row is a 'reprocess').
ALTER TABLE intake_changes ADD COLUMN contact TEXT NOT NULL DEFAULT '';           -- 'log': the contact it was logged on
ALTER TABLE intake_changes ADD COLUMN created_contacts TEXT NOT NULL DEFAULT '[]'; -- JSON ids, for an undo
ALTER TABLE intake_changes ADD COLUMN created_companies TEXT NOT NULL DEFAULT '[]';
ALTER TABLE intake_changes ADD COLUMN undone_at TEXT NOT NULL DEFAULT '';
ALTER TABLE intake_changes ADD COLUMN undone_by TEXT NOT NULL DEFAULT '';
