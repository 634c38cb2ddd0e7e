-- The web app: passwords, sessions, inline attachments, the indexes its
-- pages read through and full-text search.

ALTER TABLE users ADD COLUMN password_hash TEXT NOT NULL DEFAULT ''; -- PHC string; '' for none

-- A signed-in browser, stored under the SHA-256 of its token.
CREATE TABLE sessions (
    token_hash   BLOB PRIMARY KEY,
    user_email   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_last_seen ON sessions(last_seen_at);
CREATE INDEX sessions_created ON sessions(created_at);
CREATE INDEX sessions_user ON sessions(user_email);

ALTER TABLE attachments ADD COLUMN content_id TEXT NOT NULL DEFAULT ''; -- without angle brackets
ALTER TABLE attachments ADD COLUMN inline INTEGER NOT NULL DEFAULT 0;

-- An email's date for sorting: its own, else when it was logged. Queries
-- must spell the expression exactly so for these indexes to serve them.
CREATE INDEX emails_user_date ON emails(user_id, COALESCE(NULLIF(date_utc, ''), created_at));
CREATE INDEX emails_date ON emails(COALESCE(NULLIF(date_utc, ''), created_at));
CREATE INDEX emails_thread ON emails(COALESCE(thread_id, id));

DROP INDEX email_contacts_contact;
CREATE INDEX email_contacts_contact ON email_contacts(contact_id, email_id);
CREATE INDEX email_companies_company ON email_companies(company_id, email_id);
CREATE INDEX email_deals_deal ON email_deals(deal_id, email_id);
CREATE INDEX deals_company ON deals(company_id);
CREATE INDEX deals_updated ON deals(updated_at);
-- The contacts and companies lists' sorts (the queries spell these
-- expressions exactly so).
CREATE INDEX contacts_name ON contacts(name = '', name COLLATE NOCASE, address);
CREATE INDEX contacts_created ON contacts(created_at);
CREATE INDEX companies_name ON companies(name = '', name COLLATE NOCASE, domain);

CREATE INDEX intake_outcome ON intake(outcome, reason);
CREATE INDEX intake_from ON intake(from_address, outcome);
CREATE INDEX intake_mailbox ON intake(mailbox);

-- How many emails a contact or company has and the date of the newest, kept
-- by the triggers below, so that lists sort by them without aggregating
-- every email.
ALTER TABLE contacts ADD COLUMN email_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN last_email_at TEXT NOT NULL DEFAULT '';
ALTER TABLE companies ADD COLUMN email_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE companies ADD COLUMN last_email_at TEXT NOT NULL DEFAULT '';
CREATE INDEX contacts_last_email ON contacts(last_email_at);
CREATE INDEX companies_last_email ON companies(last_email_at);

UPDATE contacts SET
    email_count = (SELECT count(*) FROM email_contacts ec WHERE ec.contact_id = contacts.id),
    last_email_at = COALESCE((SELECT max(COALESCE(NULLIF(e.date_utc, ''), e.created_at))
        FROM email_contacts ec JOIN emails e ON e.id = ec.email_id WHERE ec.contact_id = contacts.id), '');
UPDATE companies SET
    email_count = (SELECT count(*) FROM email_companies ec WHERE ec.company_id = companies.id),
    last_email_at = COALESCE((SELECT max(COALESCE(NULLIF(e.date_utc, ''), e.created_at))
        FROM email_companies ec JOIN emails e ON e.id = ec.email_id WHERE ec.company_id = companies.id), '');

CREATE TRIGGER email_contacts_count AFTER INSERT ON email_contacts BEGIN
    UPDATE contacts SET email_count = email_count + 1,
        last_email_at = max(last_email_at, COALESCE((SELECT COALESCE(NULLIF(date_utc, ''), created_at) FROM emails WHERE id = new.email_id), ''))
    WHERE id = new.contact_id;
END;
CREATE TRIGGER email_contacts_uncount AFTER DELETE ON email_contacts BEGIN
    UPDATE contacts SET email_count = max(email_count - 1, 0) WHERE id = old.contact_id;
END;
CREATE TRIGGER email_companies_count AFTER INSERT ON email_companies BEGIN
    UPDATE companies SET email_count = email_count + 1,
        last_email_at = max(last_email_at, COALESCE((SELECT COALESCE(NULLIF(date_utc, ''), created_at) FROM emails WHERE id = new.email_id), ''))
    WHERE id = new.company_id;
END;
CREATE TRIGGER email_companies_uncount AFTER DELETE ON email_companies BEGIN
    UPDATE companies SET email_count = max(email_count - 1, 0) WHERE id = old.company_id;
END;

-- Full-text search: FTS4, compiled into go-sqlite3 without build tags
-- (FTS5 needs the sqlite_fts5 tag). unicode61 with remove_diacritics=2
-- folds case and diacritics ("munchen" finds "München"); it does not fold
-- ß, which queries handle instead ("strasse" also asks for "straße"): the
-- index must hold the text as it is, or integrity_check reports the
-- external-content index as malformed. The triggers keep the index in the
-- writing transaction.
--
-- Emails: external content (the text is not stored twice); snippet()
-- reads it back from emails.
CREATE VIRTUAL TABLE email_fts USING fts4(
    content="emails", subject, body_text, note, from_name, from_address,
    tokenize=unicode61 "remove_diacritics=2");
INSERT INTO email_fts (docid, subject, body_text, note, from_name, from_address)
    SELECT id, subject, body_text, note, from_name, from_address FROM emails;
CREATE TRIGGER emails_fts_insert AFTER INSERT ON emails BEGIN
    INSERT INTO email_fts (docid, subject, body_text, note, from_name, from_address)
    VALUES (new.id, new.subject, new.body_text, new.note, new.from_name, new.from_address);
END;
CREATE TRIGGER emails_fts_before_update BEFORE UPDATE OF subject, body_text, note, from_name, from_address ON emails
    WHEN old.subject IS NOT new.subject OR old.body_text IS NOT new.body_text OR old.note IS NOT new.note
        OR old.from_name IS NOT new.from_name OR old.from_address IS NOT new.from_address BEGIN
    DELETE FROM email_fts WHERE docid = old.id;
END;
CREATE TRIGGER emails_fts_after_update AFTER UPDATE OF subject, body_text, note, from_name, from_address ON emails
    WHEN old.subject IS NOT new.subject OR old.body_text IS NOT new.body_text OR old.note IS NOT new.note
        OR old.from_name IS NOT new.from_name OR old.from_address IS NOT new.from_address BEGIN
    INSERT INTO email_fts (docid, subject, body_text, note, from_name, from_address)
    VALUES (new.id, new.subject, new.body_text, new.note, new.from_name, new.from_address);
END;
CREATE TRIGGER emails_fts_delete BEFORE DELETE ON emails BEGIN
    DELETE FROM email_fts WHERE docid = old.id;
END;

-- Contacts and companies: small, so their FTS tables keep their own copy.
CREATE VIRTUAL TABLE contact_fts USING fts4(name, address, tokenize=unicode61 "remove_diacritics=2");
INSERT INTO contact_fts (docid, name, address)
    SELECT id, name, address FROM contacts;
CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contact_fts (docid, name, address) VALUES (new.id, new.name, new.address);
END;
CREATE TRIGGER contacts_fts_update AFTER UPDATE OF name, address ON contacts
    WHEN old.name IS NOT new.name OR old.address IS NOT new.address BEGIN
    DELETE FROM contact_fts WHERE docid = old.id;
    INSERT INTO contact_fts (docid, name, address) VALUES (new.id, new.name, new.address);
END;
CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN
    DELETE FROM contact_fts WHERE docid = old.id;
END;

CREATE VIRTUAL TABLE company_fts USING fts4(name, domain, tokenize=unicode61 "remove_diacritics=2");
INSERT INTO company_fts (docid, name, domain)
    SELECT id, name, domain FROM companies;
CREATE TRIGGER companies_fts_insert AFTER INSERT ON companies BEGIN
    INSERT INTO company_fts (docid, name, domain) VALUES (new.id, new.name, new.domain);
END;
CREATE TRIGGER companies_fts_update AFTER UPDATE OF name, domain ON companies
    WHEN old.name IS NOT new.name OR old.domain IS NOT new.domain BEGIN
    DELETE FROM company_fts WHERE docid = old.id;
    INSERT INTO company_fts (docid, name, domain) VALUES (new.id, new.name, new.domain);
END;
CREATE TRIGGER companies_fts_delete AFTER DELETE ON companies BEGIN
    DELETE FROM company_fts WHERE docid = old.id;
END;
