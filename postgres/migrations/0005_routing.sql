-- Routing: facts the analyst sets on a case, and referrals that are
-- followed from delivery to the recipient's outcome.
ALTER TABLE cases ADD COLUMN victim_departement TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN reporter_country TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN status TEXT NOT NULL DEFAULT 'delivered';
ALTER TABLE referrals ADD COLUMN rule TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN overridden BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE referrals ADD COLUMN due_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE referrals ADD COLUMN acknowledged_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE referrals ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN outcome_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX referrals_open ON referrals (status, due_at);
