-- Notice lifecycle and blocking requests (issue 15, parts 2 and 3).
-- A notice is mailed to its recipient, re-checked on a schedule
-- (next_check_at, 0 once nothing is left to check), and escalated after
-- its deadline into a blocking and delisting request, which the oversight
-- role reviews in weekly batches before anything enters a feed.
ALTER TABLE notices ADD COLUMN recipient TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN category TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN network TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN mailed_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE notices ADD COLUMN mail_error TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN next_check_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE notices ADD COLUMN checks BIGINT NOT NULL DEFAULT 0;
ALTER TABLE notices ADD COLUMN escalated_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX notices_next_check ON notices (next_check_at) WHERE next_check_at > 0;

CREATE TABLE blocking_requests (
    id            TEXT PRIMARY KEY,
    notice_id     TEXT NOT NULL UNIQUE,
    case_id       TEXT NOT NULL,
    url           TEXT NOT NULL,
    domain        TEXT NOT NULL,
    category      TEXT NOT NULL,
    reason        TEXT NOT NULL,
    requested_at  BIGINT NOT NULL,
    batch         TEXT NOT NULL,          -- ISO week of requested_at in Paris, 2026-W49
    state         TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'refused')),
    reviewed_by   TEXT NOT NULL DEFAULT '',
    reviewed_at   BIGINT NOT NULL DEFAULT 0,
    review_reason TEXT NOT NULL DEFAULT '',
    gone_since    BIGINT NOT NULL DEFAULT 0   -- content confirmed gone since; 0 while online or unknown
);
CREATE INDEX blocking_state_batch ON blocking_requests (state, batch, requested_at);
CREATE INDEX blocking_approved ON blocking_requests (reviewed_at, id) WHERE state = 'approved';
