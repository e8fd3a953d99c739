-- Alerts: an identifier (later a wave) whose reports in the last hour pass
-- a multiple of its hourly baseline. One open alert per subject, whichever
-- instance sees it first; the on-call notice is sent from this table, so
-- that an alert raised while the receiver is down is sent later.
CREATE TABLE alerts (
    id             BIGSERIAL PRIMARY KEY,
    kind           TEXT NOT NULL,
    subject        TEXT NOT NULL,
    label          TEXT NOT NULL,
    last_hour      BIGINT NOT NULL,
    baseline       DOUBLE PRECISION NOT NULL,
    trigger_at     BIGINT NOT NULL,
    raised_at      BIGINT NOT NULL,
    closed_at      BIGINT NOT NULL DEFAULT 0,
    closed_by      TEXT NOT NULL DEFAULT '',
    notified_at    BIGINT NOT NULL DEFAULT 0,
    notice_claim   BIGINT NOT NULL DEFAULT 0,
    notice_error   TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX alerts_open ON alerts (kind, subject) WHERE closed_at = 0;
CREATE INDEX alerts_subject ON alerts (kind, subject, raised_at);
