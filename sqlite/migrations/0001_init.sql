CREATE TABLE reports (
    id                TEXT PRIMARY KEY,
    receipt           TEXT NOT NULL UNIQUE,
    secret_hash       BLOB NOT NULL,
    status            TEXT NOT NULL,
    channel           TEXT NOT NULL,
    token_name        TEXT NOT NULL DEFAULT '',
    category          TEXT NOT NULL,
    description       TEXT NOT NULL,
    urls              TEXT NOT NULL,          -- JSON array of strings, as written
    seen_on           TEXT NOT NULL DEFAULT '',
    occurred_at       INTEGER,                -- unix microseconds
    urgent            INTEGER NOT NULL,
    anonymous         INTEGER NOT NULL,
    reporter_name     TEXT NOT NULL DEFAULT '',
    reporter_email    TEXT NOT NULL DEFAULT '',
    reporter_phone    TEXT NOT NULL DEFAULT '',
    is_victim         INTEGER NOT NULL,
    loss_cents        INTEGER,
    loss_currency     TEXT,
    loss_means        TEXT,
    lang              TEXT NOT NULL,
    created_at        INTEGER NOT NULL,       -- unix microseconds
    idempotency_key   TEXT,
    request_hash      BLOB
) STRICT;

CREATE UNIQUE INDEX reports_idempotency ON reports (token_name, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX reports_created ON reports (created_at);

CREATE TABLE report_attachments (
    report_id    TEXT NOT NULL REFERENCES reports (id),
    position     INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    size         INTEGER NOT NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    PRIMARY KEY (report_id, position)
) STRICT;
CREATE INDEX report_attachments_sha ON report_attachments (sha256);

CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    hash       BLOB NOT NULL UNIQUE,
    scopes     TEXT NOT NULL,                 -- space-separated
    rate       REAL NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;

CREATE TABLE visits_daily (
    day    TEXT PRIMARY KEY,                  -- YYYY-MM-DD, UTC
    visits INTEGER NOT NULL
) STRICT;

CREATE TABLE altcha_spent (
    signature  TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
) STRICT;

CREATE TABLE server_keys (
    name TEXT PRIMARY KEY,
    key  BLOB NOT NULL
) STRICT;
