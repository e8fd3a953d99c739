CREATE TABLE reports (
    id                TEXT PRIMARY KEY,
    receipt           TEXT NOT NULL UNIQUE,
    secret_hash       BYTEA NOT NULL,
    status            TEXT NOT NULL,
    channel           TEXT NOT NULL,
    token_name        TEXT NOT NULL DEFAULT '',
    category          TEXT NOT NULL,
    description       TEXT NOT NULL,
    urls              TEXT NOT NULL,          -- JSON array of strings, as written
    seen_on           TEXT NOT NULL DEFAULT '',
    occurred_at       BIGINT,                 -- unix microseconds
    urgent            BOOLEAN NOT NULL,
    anonymous         BOOLEAN NOT NULL,
    reporter_name     TEXT NOT NULL DEFAULT '',
    reporter_email    TEXT NOT NULL DEFAULT '',
    reporter_phone    TEXT NOT NULL DEFAULT '',
    is_victim         BOOLEAN NOT NULL,
    loss_cents        BIGINT,
    loss_currency     TEXT,
    loss_means        TEXT,
    lang              TEXT NOT NULL,
    created_at        BIGINT NOT NULL,        -- unix microseconds
    idempotency_key   TEXT,
    request_hash      BYTEA
);

CREATE UNIQUE INDEX reports_idempotency ON reports (token_name, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX reports_created ON reports (created_at);

CREATE TABLE report_attachments (
    report_id    TEXT NOT NULL REFERENCES reports (id),
    position     INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    size         BIGINT NOT NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    PRIMARY KEY (report_id, position)
);
CREATE INDEX report_attachments_sha ON report_attachments (sha256);

CREATE TABLE blobs (
    sha256  TEXT PRIMARY KEY,
    content BYTEA NOT NULL
);

CREATE TABLE api_tokens (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    hash       BYTEA NOT NULL UNIQUE,
    scopes     TEXT NOT NULL,
    rate       DOUBLE PRECISION NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE visits_daily (
    day    TEXT PRIMARY KEY,
    visits BIGINT NOT NULL
);

CREATE TABLE altcha_spent (
    signature  TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);

CREATE TABLE server_keys (
    name TEXT PRIMARY KEY,
    key  BYTEA NOT NULL
);
