-- Newest matches first without sorting them all: for a word found in a
-- large share of the reports, the planner walks this index backwards and
-- stops at the page's end; for a rare word it still uses the GIN index.
CREATE INDEX report_search_created ON report_search (created_at DESC);
