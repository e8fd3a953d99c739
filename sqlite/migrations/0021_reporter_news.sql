-- News for reporters who asked for it (issue 16): a subscription per
-- consenting report, and an outbox of messages written in the transaction
-- that changes a report's status.
--
-- Neither table holds the address: it is the report's contact, sealed
-- under the report's own data key (reports.contact), read when a message
-- is sent. A purge deletes both tables' rows with the key.
CREATE TABLE news_subscriptions (
    report_id   TEXT PRIMARY KEY REFERENCES reports (id),
    -- the last status a message was queued for: a report that goes back
    -- to the queue and is taken again does not say "analysing" twice
    last_status TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    stopped_at  INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE news_outbox (
    id              INTEGER PRIMARY KEY,
    report_id       TEXT NOT NULL,
    status          TEXT NOT NULL,         -- the report's status the message tells
    state           TEXT NOT NULL DEFAULT 'pending', -- pending, sent, dead, dropped
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX news_outbox_due ON news_outbox (state, next_attempt_at);
CREATE INDEX news_outbox_report ON news_outbox (report_id);
