-- The log address's tags: log+private@ marks an email private (only its
-- attributed user and admins see it); log+deal-ID@ pins it to one deal,
-- which needs no column (its email_deals row is the pin).
ALTER TABLE emails ADD COLUMN private INTEGER NOT NULL DEFAULT 0 CHECK (private IN (0, 1));
-- Private emails are few: reads find them through this index to hide them
-- from, or add them for, a viewer.
CREATE INDEX emails_private ON emails(user_id) WHERE private = 1;

-- contacts.email_count/last_email_at and companies' count and date the
-- emails everyone may see: private ones are left out (a count or a date
-- that moved would tell others of them). Readers add the private ones the
-- viewer may see.
DROP TRIGGER email_contacts_count;
DROP TRIGGER email_contacts_uncount;
DROP TRIGGER email_companies_count;
DROP TRIGGER email_companies_uncount;
CREATE TRIGGER email_contacts_count AFTER INSERT ON email_contacts
    WHEN (SELECT private FROM emails WHERE id = new.email_id) IS NOT 1 BEGIN
    UPDATE contacts SET email_count = email_count + 1,
        last_email_at = max(last_email_at, COALESCE((SELECT COALESCE(NULLIF(date_utc, ''), created_at) FROM emails WHERE id = new.email_id), ''))
    WHERE id = new.contact_id;
END;
CREATE TRIGGER email_contacts_uncount AFTER DELETE ON email_contacts
    WHEN (SELECT private FROM emails WHERE id = old.email_id) IS NOT 1 BEGIN
    UPDATE contacts SET email_count = max(email_count - 1, 0) WHERE id = old.contact_id;
END;
CREATE TRIGGER email_companies_count AFTER INSERT ON email_companies
    WHEN (SELECT private FROM emails WHERE id = new.email_id) IS NOT 1 BEGIN
    UPDATE companies SET email_count = email_count + 1,
        last_email_at = max(last_email_at, COALESCE((SELECT COALESCE(NULLIF(date_utc, ''), created_at) FROM emails WHERE id = new.email_id), ''))
    WHERE id = new.company_id;
END;
CREATE TRIGGER email_companies_uncount AFTER DELETE ON email_companies
    WHEN (SELECT private FROM emails WHERE id = old.email_id) IS NOT 1 BEGIN
    UPDATE companies SET email_count = max(email_count - 1, 0) WHERE id = old.company_id;
END;
-- A private email's links go before the email does, while the uncount
-- triggers can still see that it was private (the cascade runs after).
CREATE TRIGGER emails_private_delete BEFORE DELETE ON emails WHEN old.private = 1 BEGIN
    DELETE FROM email_contacts WHERE email_id = old.id;
    DELETE FROM email_companies WHERE email_id = old.id;
END;
-- An email made private, or public again: its contacts' and companies'
-- counts and dates are read again from their emails.
CREATE TRIGGER emails_private_update AFTER UPDATE OF private ON emails WHEN old.private IS NOT new.private BEGIN
    UPDATE contacts SET
        email_count = (SELECT count(*) FROM email_contacts ec JOIN emails e ON e.id = ec.email_id
            WHERE ec.contact_id = contacts.id AND e.private = 0),
        last_email_at = COALESCE((SELECT max(COALESCE(NULLIF(e.date_utc, ''), e.created_at))
            FROM email_contacts ec JOIN emails e ON e.id = ec.email_id WHERE ec.contact_id = contacts.id AND e.private = 0), '')
    WHERE id IN (SELECT contact_id FROM email_contacts WHERE email_id = new.id);
    UPDATE companies SET
        email_count = (SELECT count(*) FROM email_companies ec JOIN emails e ON e.id = ec.email_id
            WHERE ec.company_id = companies.id AND e.private = 0),
        last_email_at = COALESCE((SELECT max(COALESCE(NULLIF(e.date_utc, ''), e.created_at))
            FROM email_companies ec JOIN emails e ON e.id = ec.email_id WHERE ec.company_id = companies.id AND e.private = 0), '')
    WHERE id IN (SELECT email_companies.company_id FROM email_companies WHERE email_id = new.id);
END;
