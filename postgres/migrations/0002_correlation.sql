-- Cross-referencing: an inverted index from identifier to reports. No table
-- of report pairs is ever stored.
ALTER TABLE reports ADD COLUMN linked BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX reports_unlinked ON reports (created_at, id) WHERE NOT linked;

CREATE TABLE indicators (
    id           BIGSERIAL PRIMARY KEY,
    type         TEXT NOT NULL,
    value        TEXT NOT NULL,
    report_count BIGINT NOT NULL,
    first_seen   BIGINT NOT NULL,
    last_seen    BIGINT NOT NULL,
    flagged      TEXT,
    UNIQUE (type, value)
);
CREATE INDEX indicators_count ON indicators (report_count DESC);

CREATE TABLE report_indicators (
    indicator_id BIGINT NOT NULL,
    seen_at      BIGINT NOT NULL,
    report_id    TEXT NOT NULL,
    raw          TEXT NOT NULL,
    PRIMARY KEY (indicator_id, seen_at, report_id)
);
CREATE INDEX report_indicators_report ON report_indicators (report_id);
