-- A BCC'd email's HTML body is its raw message's first text/html part, so it
-- is read from the stored raw message on demand instead of being stored a
-- second time: html_in_raw = 1 says so (body_html is then ''). Emails
-- logged before, and imported ones, keep body_html.
ALTER TABLE emails ADD COLUMN html_in_raw INTEGER NOT NULL DEFAULT 0 CHECK (html_in_raw IN (0, 1));
