-- Cross-referencing: an inverted index from identifier to reports. No table
-- of report pairs is ever stored.
-- Reports waiting to be linked, in arrival order. A small table of its own,
-- so that linking deletes a queue row instead of rewriting the report.
CREATE TABLE link_queue (
    seq       INTEGER PRIMARY KEY,
    report_id TEXT NOT NULL UNIQUE
) STRICT;
INSERT INTO link_queue (report_id) SELECT id FROM reports ORDER BY created_at, id;

CREATE TABLE indicators (
    id           INTEGER PRIMARY KEY,
    type         TEXT NOT NULL,
    value        TEXT NOT NULL,
    report_count INTEGER NOT NULL,
    first_seen   INTEGER NOT NULL,   -- unix microseconds of the first report naming it
    last_seen    INTEGER NOT NULL,
    flagged      TEXT,               -- why it no longer links: a warning-list rule, or the cap
    UNIQUE (type, value)
) STRICT;
CREATE INDEX indicators_count ON indicators (report_count DESC);

-- One row per (identifier, report): the postings, clustered by identifier
-- and time so that a page of related reports is one range scan.
CREATE TABLE report_indicators (
    indicator_id INTEGER NOT NULL,
    seen_at      INTEGER NOT NULL,   -- the report's created_at
    report_id    TEXT NOT NULL,
    raw          TEXT NOT NULL,      -- as written in the report, kept as evidence
    PRIMARY KEY (indicator_id, seen_at, report_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX report_indicators_report ON report_indicators (report_id);
