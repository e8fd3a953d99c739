-- The analysts' workspace: accounts and sessions, triage state on reports,
-- cases with their history, referrals, and full-text search.
CREATE TABLE users (
    id             BIGSERIAL PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    role           TEXT NOT NULL,
    destination    TEXT NOT NULL DEFAULT '',
    password_hash  TEXT NOT NULL DEFAULT '',
    totp_secret    TEXT NOT NULL DEFAULT '',
    totp_last_step BIGINT NOT NULL DEFAULT 0,
    disabled       BOOLEAN NOT NULL DEFAULT false,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL
);

CREATE TABLE enrolments (
    token_hash BYTEA PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    expires_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash BYTEA PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

ALTER TABLE reports ADD COLUMN triage TEXT NOT NULL DEFAULT 'new';
ALTER TABLE reports ADD COLUMN assignee TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN decision_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN duplicate_of TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN case_id TEXT NOT NULL DEFAULT '';
CREATE INDEX reports_queue ON reports (triage, urgent DESC, created_at, id);
CREATE INDEX reports_case ON reports (case_id) WHERE case_id <> '';

CREATE TABLE report_events (
    id        BIGSERIAL PRIMARY KEY,
    report_id TEXT NOT NULL,
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    kind      TEXT NOT NULL,
    detail    TEXT NOT NULL
);
CREATE INDEX report_events_report ON report_events (report_id, id);

CREATE TABLE cases (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    status      TEXT NOT NULL,
    category    TEXT NOT NULL DEFAULT '',
    legal_refs  TEXT NOT NULL DEFAULT '[]',
    summary     TEXT NOT NULL DEFAULT '',
    priority    TEXT NOT NULL DEFAULT 'normal',
    outcome     TEXT NOT NULL DEFAULT '',
    merged_into TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX cases_status ON cases (status, updated_at);

CREATE TABLE case_events (
    id      BIGSERIAL PRIMARY KEY,
    case_id TEXT NOT NULL,
    at      BIGINT NOT NULL,
    actor   TEXT NOT NULL,
    kind    TEXT NOT NULL,
    detail  TEXT NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, id);

CREATE TABLE referrals (
    case_id     TEXT NOT NULL,
    destination TEXT NOT NULL,
    at          BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    PRIMARY KEY (case_id, destination)
);
CREATE INDEX referrals_destination ON referrals (destination, at);

-- Full-text search ('simple': no stemming, the reports mix languages).
-- Reports are indexed by the linker, cases when they change.
CREATE TABLE report_search (
    report_id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    doc       TSVECTOR NOT NULL
);
CREATE INDEX report_search_doc ON report_search USING GIN (doc);
CREATE TABLE case_search (
    case_id TEXT PRIMARY KEY,
    doc     TSVECTOR NOT NULL
);
CREATE INDEX case_search_doc ON case_search USING GIN (doc);
-- Reports stored before this migration were linked already: index them now.
INSERT INTO report_search (report_id, created_at, doc)
    SELECT id, created_at, to_tsvector('simple', regexp_replace(description || ' ' || urls || ' ' || seen_on, '[^[:alnum:]]+', ' ', 'g'))
    FROM reports WHERE id NOT IN (SELECT report_id FROM link_queue);
