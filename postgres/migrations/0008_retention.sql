-- Retention: when a report's personal data was purged (0: not yet).
ALTER TABLE reports ADD COLUMN purged_at BIGINT NOT NULL DEFAULT 0;
