-- Disruption feeds (issue 15, part 4).
-- The pushes of a feed to a destination, one row per period. The primary
-- key decides between instances: the one whose insert lands sends that
-- period's push.
CREATE TABLE feed_pushes (
    feed        TEXT NOT NULL,
    destination TEXT NOT NULL,
    slot        BIGINT NOT NULL,          -- unix time / period
    claimed_at  BIGINT NOT NULL,
    done_at     BIGINT NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (feed, destination, slot)
);

-- When an approved request last changed as the feeds see it (approval,
-- content gone or back): each instance keeps the feeds' entries in
-- memory and reads only the rows changed since its last look.
ALTER TABLE blocking_requests ADD COLUMN changed_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX blocking_changed ON blocking_requests (changed_at);
