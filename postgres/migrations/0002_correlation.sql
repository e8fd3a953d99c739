-- Cross-referencing: an inverted index from identifier to reports. No table
-- of report pairs is ever stored.
-- Reports waiting to be linked, in arrival order. A small table of its own,
-- so that linking deletes a queue row instead of rewriting the report.
CREATE TABLE link_queue (
    seq       BIGSERIAL PRIMARY KEY,
    report_id TEXT NOT NULL UNIQUE
);
INSERT INTO link_queue (report_id) SELECT id FROM reports ORDER BY created_at, id;

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
