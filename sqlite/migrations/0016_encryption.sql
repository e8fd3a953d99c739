-- Encryption at rest (issue 13). Data keys, each wrapped by the master key
-- (which never enters the database), named after what they seal:
-- 'report:<id>' (a report's contact fields), 'accounts' (TOTP seeds),
-- 'server' (server keys). Deleting a report's key is what makes its purge
-- final (crypto-shredding). kek_id names the master key that wrapped the
-- row, so that a wrong key is refused at start and a rotation can resume.
-- Attachments carry their own wrapped key in their sealed file (or row,
-- on PostgreSQL), which a purge deletes with them.
CREATE TABLE data_keys (
    name       TEXT PRIMARY KEY,
    kek_id     TEXT NOT NULL,
    wrapped    BLOB NOT NULL,
    created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID; -- one b-tree fewer to write per report at intake
CREATE INDEX data_keys_kek ON data_keys (kek_id);

-- A report's name, e-mail and phone, sealed together (JSON) under the
-- report's data key; the clear columns are then left empty. NULL: none,
-- or a store running without a master key.
ALTER TABLE reports ADD COLUMN contact BLOB;
-- A TOTP seed sealed under the 'accounts' key; totp_secret is then empty.
ALTER TABLE users ADD COLUMN totp_sealed BLOB;
-- 1 when key holds the server key sealed under the 'server' key.
ALTER TABLE server_keys ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
