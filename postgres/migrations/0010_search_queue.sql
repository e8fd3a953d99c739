-- Reports linked but not yet in the full-text index. Text indexing is
-- costly on PostgreSQL (tsvector, GIN): it runs after linking, in its own
-- batches, so that linking keeps up under load and search catches up.
CREATE TABLE search_queue (
    report_id TEXT PRIMARY KEY
);
