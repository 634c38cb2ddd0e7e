-- A BCC'd email's HTML body is read from its stored raw message on demand
-- (html_in_raw = 1, body_html ''), as in SQLite's migration 0013.
ALTER TABLE emails ADD COLUMN html_in_raw INTEGER NOT NULL DEFAULT 0 CHECK (html_in_raw IN (0, 1));
