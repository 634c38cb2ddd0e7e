-- An attachment's content is read from the stored raw message, decoded on
-- demand, instead of being stored a second time: part is its index among
-- the message's own attachments (email.WalkAttachments' order). NULL for
-- attachments logged before, whose content is the blob named by sha256;
-- sha256 stays the content's hash but no longer names a stored blob, so
-- the table is rebuilt without that foreign key.
CREATE TABLE attachments_new (
    id           INTEGER PRIMARY KEY,
    email_id     INTEGER NOT NULL REFERENCES emails(id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT '',
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    content_id   TEXT NOT NULL DEFAULT '', -- without angle brackets
    inline       INTEGER NOT NULL DEFAULT 0,
    part         INTEGER
);
INSERT INTO attachments_new (id, email_id, name, content_type, size, sha256, content_id, inline)
    SELECT id, email_id, name, content_type, size, sha256, content_id, inline FROM attachments;
DROP TABLE attachments;
ALTER TABLE attachments_new RENAME TO attachments;
CREATE INDEX attachments_email ON attachments(email_id);
