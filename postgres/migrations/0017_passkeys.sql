-- Passkeys (WebAuthn) as a second factor, and what a ceremony or an
-- enrolment keeps on the server between the page and its answer. See the
-- SQLite migration of the same number for the why of each column.
CREATE TABLE passkeys (
    id            BIGSERIAL PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id),
    credential_id BYTEA NOT NULL UNIQUE,
    public_key    BYTEA NOT NULL,
    sign_count    BIGINT NOT NULL DEFAULT 0,
    name          TEXT NOT NULL,
    record        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX passkeys_user ON passkeys (user_id);

CREATE TABLE passkey_ceremonies (
    handle_hash BYTEA PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL,
    session     TEXT NOT NULL,
    expires_at  BIGINT NOT NULL
);

ALTER TABLE enrolments ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
