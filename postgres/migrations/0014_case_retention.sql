-- Closed cases lose their free text once their retention has run out (see
-- the SQLite migration). 0: not purged.
ALTER TABLE cases ADD COLUMN purged_at BIGINT NOT NULL DEFAULT 0;
