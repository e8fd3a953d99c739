-- Closed cases lose their free text (title, summary, notes, event
-- details) once their category's retention period has run out since they
-- were last changed; the row stays for the figures. 0: not purged.
ALTER TABLE cases ADD COLUMN purged_at INTEGER NOT NULL DEFAULT 0;
