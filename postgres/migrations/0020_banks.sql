-- Hash lists ("banks") of known content, and the matching of reports'
-- media against them (issue 14, parts 4-7).
--
-- Every change to a bank or an entry takes the next value of bank_seq in
-- its transaction and stamps the rows it touched with it: an instance
-- keeps its in-memory index current by reading, every few seconds, the
-- rows stamped after the last value it saw.
CREATE TABLE bank_seq (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);
INSERT INTO bank_seq (id, seq) VALUES (1, 0);

CREATE TABLE banks (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    source      TEXT NOT NULL DEFAULT '',
    negative    BOOLEAN NOT NULL DEFAULT FALSE, -- known false positives: suppresses matches
    enabled     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  BIGINT NOT NULL,
    changed_seq BIGINT NOT NULL
);

CREATE TABLE bank_entries (
    id           BIGSERIAL PRIMARY KEY,
    bank_id      BIGINT NOT NULL REFERENCES banks (id),
    kind         TEXT NOT NULL,              -- md5, sha1, sha256, pdq
    value        TEXT NOT NULL,              -- lower-case hex
    label        TEXT NOT NULL DEFAULT '',
    category     TEXT NOT NULL DEFAULT '',
    added_at     BIGINT NOT NULL,
    withdrawn_at BIGINT,                    -- no longer matches from then
    changed_seq  BIGINT NOT NULL,
    UNIQUE (bank_id, kind, value)
);
CREATE INDEX bank_entries_changed ON bank_entries (changed_seq);

-- Reports whose media wait to be hashed and matched, written in the
-- report's own transaction (as link_queue is): nothing acknowledged is
-- left unmatched. A matcher leases rows for a while, so that two
-- instances do not hash the same files, and deletes them when done.
CREATE TABLE match_queue (
    report_id   TEXT PRIMARY KEY,
    lease_until BIGINT NOT NULL DEFAULT 0
);

-- A report's media hashes: those of its image attachments (computed after
-- the acknowledgement) and those a platform sent without the file
-- (attachment = '').
CREATE TABLE report_hashes (
    report_id  TEXT NOT NULL,
    attachment TEXT NOT NULL DEFAULT '',     -- the attachment's SHA-256, '' for sent hashes
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (report_id, attachment, kind, value)
);

-- What matched: a report's hash against a bank's entry.
CREATE TABLE report_matches (
    report_id     TEXT NOT NULL,
    attachment    TEXT NOT NULL DEFAULT '',
    entry_id      BIGINT NOT NULL,
    bank_id       BIGINT NOT NULL,
    bank_name     TEXT NOT NULL,
    kind          TEXT NOT NULL,
    value         TEXT NOT NULL,             -- the entry's value
    label         TEXT NOT NULL,
    category      TEXT NOT NULL,
    distance      INTEGER NOT NULL,
    created_at    BIGINT NOT NULL,
    gathered_into TEXT NOT NULL DEFAULT '',  -- the flood guard's head report
    PRIMARY KEY (report_id, attachment, entry_id)
);
CREATE INDEX report_matches_entry ON report_matches (entry_id, created_at);
CREATE INDEX report_matches_time ON report_matches (created_at);
