-- Encryption at rest (issue 13): data keys wrapped by the master key, and
-- the sealed columns (see the SQLite migration for what each holds).
CREATE TABLE data_keys (
    name       TEXT PRIMARY KEY,
    kek_id     TEXT NOT NULL,
    wrapped    BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX data_keys_kek ON data_keys (kek_id);

ALTER TABLE reports ADD COLUMN contact BYTEA;
ALTER TABLE users ADD COLUMN totp_sealed BYTEA;
ALTER TABLE server_keys ADD COLUMN sealed BOOLEAN NOT NULL DEFAULT false;
-- Attachments live in this table on PostgreSQL: true when content is an
-- envelope sealed under a data key of its own, wrapped inside it.
ALTER TABLE blobs ADD COLUMN sealed BOOLEAN NOT NULL DEFAULT false;
