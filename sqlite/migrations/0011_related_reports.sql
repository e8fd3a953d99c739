-- Reports that share a linking identifier with at least one other report,
-- kept by the linker as it writes postings. The queue's "related reports"
-- filter then costs one primary-key probe per row instead of a join over
-- the report's postings and their identifiers. A report stays related once
-- it has been: a value flagged later by the cap does not unrelate it.
CREATE TABLE related_reports (
    report_id TEXT PRIMARY KEY
) STRICT, WITHOUT ROWID;
INSERT INTO related_reports (report_id)
SELECT DISTINCT ri.report_id FROM report_indicators ri JOIN indicators i ON i.id = ri.indicator_id
WHERE i.report_count > 1 AND i.flagged IS NULL;
