-- Users come from the config file and are synced at start.
CREATE TABLE users (
    id      INTEGER PRIMARY KEY,
    email   TEXT NOT NULL UNIQUE,          -- primary address, lower-case
    name    TEXT NOT NULL DEFAULT '',
    aliases TEXT NOT NULL DEFAULT ''       -- space-separated, lower-case
);

CREATE TABLE companies (
    id         INTEGER PRIMARY KEY,
    domain     TEXT NOT NULL UNIQUE,       -- lower-case
    name       TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

CREATE TABLE contacts (
    id            INTEGER PRIMARY KEY,
    address       TEXT NOT NULL UNIQUE,    -- lower-case
    name          TEXT NOT NULL DEFAULT '',
    company_id    INTEGER REFERENCES companies(id),
    owner_user_id INTEGER REFERENCES users(id),
    source        TEXT NOT NULL CHECK (source IN ('bcc', 'forward', 'import')),
    created_at    TEXT NOT NULL
);
CREATE INDEX contacts_company ON contacts(company_id);

CREATE TABLE deals (
    id          INTEGER PRIMARY KEY,
    external_id TEXT UNIQUE,               -- the id column of an imported CSV
    name        TEXT NOT NULL,
    stage       TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost')),
    amount      REAL,
    company_id  INTEGER REFERENCES companies(id),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX deals_open_updated ON deals(status, updated_at);

CREATE TABLE deal_contacts (
    deal_id    INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    PRIMARY KEY (deal_id, contact_id)
);
CREATE INDEX deal_contacts_contact ON deal_contacts(contact_id);

-- Content-addressed storage for raw messages and attachment content, in
-- chunks so that a large message never has to be bound in one piece.
CREATE TABLE blobs (
    sha256     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE blob_chunks (
    sha256 TEXT NOT NULL REFERENCES blobs(sha256) ON DELETE CASCADE,
    seq    INTEGER NOT NULL,
    data   BLOB NOT NULL,
    PRIMARY KEY (sha256, seq)
) WITHOUT ROWID;

CREATE TABLE emails (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT NOT NULL CHECK (kind IN ('bcc', 'forward')),
    dedup_key           TEXT NOT NULL UNIQUE,  -- "msgid:<id>" or "content:<key>|<minute>"
    content_key         TEXT NOT NULL,         -- sender, subject and body hash
    message_id          TEXT NOT NULL DEFAULT '', -- the logged message's own Message-ID
    original_message_id TEXT NOT NULL DEFAULT '', -- forwards: the original's, when known
    from_name           TEXT NOT NULL DEFAULT '',
    from_address        TEXT NOT NULL DEFAULT '',
    to_json             TEXT NOT NULL DEFAULT '[]',
    cc_json             TEXT NOT NULL DEFAULT '[]',
    date                TEXT NOT NULL DEFAULT '', -- RFC 3339 with the message's offset
    date_utc            TEXT NOT NULL DEFAULT '',
    subject             TEXT NOT NULL DEFAULT '',
    body_text           TEXT NOT NULL DEFAULT '',
    body_html           TEXT NOT NULL DEFAULT '',
    note                TEXT NOT NULL DEFAULT '',
    attachment_note     TEXT NOT NULL DEFAULT '',
    user_id             INTEGER REFERENCES users(id),
    thread_id           INTEGER,               -- NULL: starts its own thread (read COALESCE(thread_id, id))
    raw_sha256          TEXT REFERENCES blobs(sha256),
    created_at          TEXT NOT NULL
);
CREATE INDEX emails_content ON emails(content_key);
CREATE INDEX emails_message_id ON emails(message_id);
CREATE INDEX emails_original_message_id ON emails(original_message_id);

CREATE TABLE email_contacts (
    email_id   INTEGER NOT NULL REFERENCES emails(id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    PRIMARY KEY (email_id, contact_id)
);
CREATE INDEX email_contacts_contact ON email_contacts(contact_id);
CREATE TABLE email_companies (
    email_id   INTEGER NOT NULL REFERENCES emails(id) ON DELETE CASCADE,
    company_id INTEGER NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    PRIMARY KEY (email_id, company_id)
);
CREATE TABLE email_deals (
    email_id INTEGER NOT NULL REFERENCES emails(id) ON DELETE CASCADE,
    deal_id  INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
    PRIMARY KEY (email_id, deal_id)
);

CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    email_id     INTEGER NOT NULL REFERENCES emails(id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT '',
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL REFERENCES blobs(sha256)
);
CREATE INDEX attachments_email ON attachments(email_id);

-- One row per message processed: what happened to it and where it came from.
CREATE TABLE intake (
    id           INTEGER PRIMARY KEY,
    outcome      TEXT NOT NULL CHECK (outcome IN ('logged', 'rejected', 'duplicate', 'failed')),
    reason       TEXT NOT NULL DEFAULT '',
    detail       TEXT NOT NULL DEFAULT '',
    message_id   TEXT NOT NULL DEFAULT '',
    email_id     INTEGER REFERENCES emails(id),
    raw_sha256   TEXT REFERENCES blobs(sha256),
    origin_path  TEXT NOT NULL DEFAULT '',
    mailbox      TEXT NOT NULL DEFAULT '',
    uidvalidity  INTEGER NOT NULL DEFAULT 0,
    uid          INTEGER NOT NULL DEFAULT 0,
    received_at  TEXT NOT NULL DEFAULT '', -- the message's Date, UTC
    processed_at TEXT NOT NULL
);
CREATE INDEX intake_raw ON intake(raw_sha256);
CREATE INDEX intake_processed ON intake(processed_at);
CREATE INDEX intake_imap ON intake(mailbox, uidvalidity, uid) WHERE mailbox != '';
