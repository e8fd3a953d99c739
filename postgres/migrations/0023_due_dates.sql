-- Each report gets a deadline: its category's target time after it came
-- (shorter when urgent), written at intake from the taxonomy. The queue is
-- read in deadline order through its own index, urgent reports first.
-- Waiting reports get the default target (three days) here; the server
-- recomputes them from its taxonomy when it starts (Retarget).
ALTER TABLE reports ADD COLUMN due_at BIGINT NOT NULL DEFAULT 0;
UPDATE reports SET due_at = created_at + 259200000000 WHERE triage IN ('new', 'assigned');
CREATE INDEX reports_due ON reports (triage, urgent DESC, due_at, id, category);
