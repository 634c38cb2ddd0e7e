-- Full-text indexing once per writing transaction instead of once per row.
-- FTS4 writes its pending terms out as a new index segment whenever a
-- statement opens a savepoint, which nearly every statement of a pass does
-- (foreign keys, triggers), so indexing rows as they were inserted wrote
-- one segment per message and merged them again and again: a third of the
-- time of recording a message. Inserted rows are now queued in fts_pending
-- and indexed together, by one statement per index, just before the
-- transaction commits (crmstore's indexPending): a reader never sees a row
-- without its index entry, since both land in the same commit.
CREATE TABLE fts_pending (
    tbl TEXT NOT NULL CHECK (tbl IN ('emails', 'contacts', 'companies')),
    id  INTEGER NOT NULL,
    PRIMARY KEY (tbl, id)
) WITHOUT ROWID;

-- A row still queued is not in its index yet: an update or delete leaves
-- the index alone and indexPending indexes what the row holds then (a
-- contact or company indexed now would be indexed twice, a constraint
-- error; an email would cost the segment per statement again).
DROP TRIGGER emails_fts_insert;
CREATE TRIGGER emails_fts_insert AFTER INSERT ON emails BEGIN
    INSERT OR IGNORE INTO fts_pending (tbl, id) VALUES ('emails', new.id);
END;
DROP TRIGGER emails_fts_before_update;
CREATE TRIGGER emails_fts_before_update BEFORE UPDATE OF subject, body_text, note, from_name, from_address ON emails
    WHEN (old.subject IS NOT new.subject OR old.body_text IS NOT new.body_text OR old.note IS NOT new.note
        OR old.from_name IS NOT new.from_name OR old.from_address IS NOT new.from_address)
        AND NOT EXISTS (SELECT 1 FROM fts_pending WHERE tbl = 'emails' AND id = old.id) BEGIN
    DELETE FROM email_fts WHERE docid = old.id;
END;
DROP TRIGGER emails_fts_after_update;
CREATE TRIGGER emails_fts_after_update AFTER UPDATE OF subject, body_text, note, from_name, from_address ON emails
    WHEN (old.subject IS NOT new.subject OR old.body_text IS NOT new.body_text OR old.note IS NOT new.note
        OR old.from_name IS NOT new.from_name OR old.from_address IS NOT new.from_address)
        AND NOT EXISTS (SELECT 1 FROM fts_pending WHERE tbl = 'emails' AND id = old.id) BEGIN
    INSERT INTO email_fts (docid, subject, body_text, note, from_name, from_address)
    VALUES (new.id, new.subject, new.body_text, new.note, new.from_name, new.from_address);
END;
DROP TRIGGER emails_fts_delete;
CREATE TRIGGER emails_fts_delete BEFORE DELETE ON emails
    WHEN NOT EXISTS (SELECT 1 FROM fts_pending WHERE tbl = 'emails' AND id = old.id) BEGIN
    DELETE FROM email_fts WHERE docid = old.id;
END;

DROP TRIGGER contacts_fts_insert;
CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN
    INSERT OR IGNORE INTO fts_pending (tbl, id) VALUES ('contacts', new.id);
END;
DROP TRIGGER contacts_fts_update;
CREATE TRIGGER contacts_fts_update AFTER UPDATE OF name, address ON contacts
    WHEN (old.name IS NOT new.name OR old.address IS NOT new.address)
        AND NOT EXISTS (SELECT 1 FROM fts_pending WHERE tbl = 'contacts' AND id = old.id) BEGIN
    DELETE FROM contact_fts WHERE docid = old.id;
    INSERT INTO contact_fts (docid, name, address) VALUES (new.id, new.name, new.address);
END;

DROP TRIGGER companies_fts_insert;
CREATE TRIGGER companies_fts_insert AFTER INSERT ON companies BEGIN
    INSERT OR IGNORE INTO fts_pending (tbl, id) VALUES ('companies', new.id);
END;
DROP TRIGGER companies_fts_update;
CREATE TRIGGER companies_fts_update AFTER UPDATE OF name, domain ON companies
    WHEN (old.name IS NOT new.name OR old.domain IS NOT new.domain)
        AND NOT EXISTS (SELECT 1 FROM fts_pending WHERE tbl = 'companies' AND id = old.id) BEGIN
    DELETE FROM company_fts WHERE docid = old.id;
    INSERT INTO company_fts (docid, name, domain) VALUES (new.id, new.name, new.domain);
END;
