-- Notice lifecycle, continued (issue 15, part 2).
-- The mail outbox needs a time for its next attempt and a count of
-- attempts (retries with backoff, across instances: a claim moves
-- mail_next_at forward as a lease). mail_next_at is 0 once the notice is
-- mailed or given up, so the partial index holds only what is waiting.
-- never_fetch freezes, when the notice is sent, whether the server may
-- download the URL (minors.*, or any never-fetch category among the case's
-- reports): the scheduler never fetches such a notice's URL, even if the
-- case is requalified later.
ALTER TABLE notices ADD COLUMN mail_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE notices ADD COLUMN mail_next_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE notices ADD COLUMN never_fetch BIGINT NOT NULL DEFAULT 0;
CREATE INDEX notices_mail_due ON notices (mail_next_at) WHERE mail_next_at > 0;
