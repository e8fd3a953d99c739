-- News for reporters who asked for it (issue 16). See the SQLite
-- migration of the same number for the why of each column.
CREATE TABLE news_subscriptions (
    report_id   TEXT PRIMARY KEY REFERENCES reports (id),
    last_status TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    stopped_at  BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE news_outbox (
    id              BIGSERIAL PRIMARY KEY,
    report_id       TEXT NOT NULL,
    status          TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX news_outbox_due ON news_outbox (state, next_attempt_at);
CREATE INDEX news_outbox_report ON news_outbox (report_id);
