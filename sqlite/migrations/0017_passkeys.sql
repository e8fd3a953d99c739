-- Passkeys (WebAuthn) as a second factor, and what a ceremony or an
-- enrolment keeps on the server between the page and its answer.
--
-- A passkey's id and public key are not secrets: they are stored plainly.
-- record is the library's credential record (JSON), which carries the
-- flags and authenticator data that later sign-ins check; sign_count is
-- kept beside it so that a sign-in can refuse a counter that went back.
CREATE TABLE passkeys (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    credential_id BLOB NOT NULL UNIQUE,
    public_key    BLOB NOT NULL,
    sign_count    INTEGER NOT NULL DEFAULT 0,
    name          TEXT NOT NULL,
    record        TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX passkeys_user ON passkeys (user_id);

-- A WebAuthn ceremony in progress (registration or sign-in): the challenge
-- and its options, found by the hash of a one-time handle and taken once.
CREATE TABLE passkey_ceremonies (
    handle_hash BLOB PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL,
    session     TEXT NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;

-- The TOTP seed an enrolment link offers is made by the server and kept
-- here until the code proves it; the form never carries it back.
ALTER TABLE enrolments ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
