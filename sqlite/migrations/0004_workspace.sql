-- The analysts' workspace: accounts and sessions, triage state on reports,
-- cases with their history, referrals, and full-text search.
CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    role           TEXT NOT NULL,
    destination    TEXT NOT NULL DEFAULT '',   -- for destination users: the service they work for
    password_hash  TEXT NOT NULL DEFAULT '',   -- argon2id, PHC string
    totp_secret    TEXT NOT NULL DEFAULT '',
    totp_last_step INTEGER NOT NULL DEFAULT 0, -- a TOTP code is accepted once
    disabled       INTEGER NOT NULL DEFAULT 0,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   INTEGER NOT NULL DEFAULT 0, -- unix microseconds
    created_at     INTEGER NOT NULL
) STRICT;

-- One-time links that set a password and enrol TOTP; only hashes are kept.
CREATE TABLE enrolments (
    token_hash BLOB PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    expires_at INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);

-- Triage: where a report stands for the analysts (status stays what the
-- reporter sees).
ALTER TABLE reports ADD COLUMN triage TEXT NOT NULL DEFAULT 'new';
ALTER TABLE reports ADD COLUMN assignee TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN decision_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN duplicate_of TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN case_id TEXT NOT NULL DEFAULT '';
-- The queue reads one state at a time in this order, urgent first then oldest.
CREATE INDEX reports_queue ON reports (triage, urgent DESC, created_at, id);
CREATE INDEX reports_case ON reports (case_id) WHERE case_id <> '';

CREATE TABLE report_events (
    id        INTEGER PRIMARY KEY,
    report_id TEXT NOT NULL,
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    kind      TEXT NOT NULL,
    detail    TEXT NOT NULL
) STRICT;
CREATE INDEX report_events_report ON report_events (report_id, id);

CREATE TABLE cases (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    status      TEXT NOT NULL,
    category    TEXT NOT NULL DEFAULT '',
    legal_refs  TEXT NOT NULL DEFAULT '[]',   -- JSON array
    summary     TEXT NOT NULL DEFAULT '',
    priority    TEXT NOT NULL DEFAULT 'normal',
    outcome     TEXT NOT NULL DEFAULT '',
    merged_into TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX cases_status ON cases (status, updated_at);

CREATE TABLE case_events (
    id      INTEGER PRIMARY KEY,
    case_id TEXT NOT NULL,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    kind    TEXT NOT NULL,     -- created, note, qualified, status, reports.added…
    detail  TEXT NOT NULL
) STRICT;
CREATE INDEX case_events_case ON case_events (case_id, id);

CREATE TABLE referrals (
    case_id     TEXT NOT NULL,
    destination TEXT NOT NULL,
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    PRIMARY KEY (case_id, destination)
) STRICT;
CREATE INDEX referrals_destination ON referrals (destination, at);

-- Full-text search. Reports are indexed by the linker (background, from
-- link_queue), not at intake; cases when they change. Contentless: the
-- text stays in its table, the index holds only tokens; detail=none keeps
-- no positions (searches are sets of words, not phrases), which halves the
-- cost of indexing under load.
CREATE VIRTUAL TABLE reports_fts USING fts5 (description, urls, seen_on,
    content='', contentless_delete=1, detail=none, tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE cases_fts USING fts5 (case_id UNINDEXED, body,
    tokenize='unicode61 remove_diacritics 2');
-- Reports stored before this migration were linked already: index them now.
INSERT INTO reports_fts (rowid, description, urls, seen_on)
    SELECT rowid, description, urls, seen_on FROM reports
    WHERE id NOT IN (SELECT report_id FROM link_queue);
