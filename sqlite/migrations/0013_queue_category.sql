-- The queue index carries the category, so that a category filter is
-- checked on the index entry before the row is read. The first page of
-- scams with related reports passes some 2,600 urgent reports of other
-- categories: reading their rows cost 37 ms per page at a million reports
-- in the workspace benchmark (9 ms in a process that wrote nothing between
-- pages: each page's audit entry seems to cost the readers their cache),
-- the index entries about 3 ms.
DROP INDEX reports_queue;
CREATE INDEX reports_queue ON reports (triage, urgent DESC, created_at, id, category);
