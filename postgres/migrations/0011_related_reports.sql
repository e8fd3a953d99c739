-- Reports that share a linking identifier with at least one other report,
-- kept by the linker as it writes postings (see the SQLite migration).
CREATE TABLE related_reports (
    report_id TEXT PRIMARY KEY
);
INSERT INTO related_reports (report_id)
SELECT DISTINCT ri.report_id FROM report_indicators ri JOIN indicators i ON i.id = ri.indicator_id
WHERE i.report_count > 1 AND i.flagged IS NULL;
