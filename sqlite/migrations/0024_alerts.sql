-- Alerts: an identifier (later a wave) whose reports in the last hour pass
-- a multiple of its hourly baseline. One open alert per subject, whichever
-- instance sees it first; the on-call notice is sent from this table, so
-- that an alert raised while the receiver is down is sent later.
CREATE TABLE alerts (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL,
    subject        TEXT NOT NULL,
    label          TEXT NOT NULL,
    last_hour      INTEGER NOT NULL,
    baseline       REAL NOT NULL,
    trigger_at     INTEGER NOT NULL,
    raised_at      INTEGER NOT NULL,
    closed_at      INTEGER NOT NULL DEFAULT 0,
    closed_by      TEXT NOT NULL DEFAULT '',
    notified_at    INTEGER NOT NULL DEFAULT 0,
    notice_claim   INTEGER NOT NULL DEFAULT 0,
    notice_error   TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE UNIQUE INDEX alerts_open ON alerts (kind, subject) WHERE closed_at = 0;
CREATE INDEX alerts_subject ON alerts (kind, subject, raised_at);
