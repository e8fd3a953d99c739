-- Deliveries of referrals by webhook or file, queued in the referral's own
-- transaction and sent by whichever instance claims them first.
CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,      -- also the webhook-id the receiver deduplicates on
    case_id         TEXT NOT NULL,
    destination     TEXT NOT NULL,
    channel         TEXT NOT NULL,         -- webhook, file
    target          TEXT NOT NULL,         -- URL or folder
    payload         TEXT NOT NULL,         -- JSON
    status          TEXT NOT NULL,         -- pending, delivered, dead
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    delivered_at    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
