-- Removal notices sent to hosting providers, and what became of them.
CREATE TABLE notices (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL,
    url          TEXT NOT NULL,
    host         TEXT NOT NULL,          -- the hosting provider, as the analyst names it
    kind         TEXT NOT NULL,          -- removal-order, administrative, notice
    legal_basis  TEXT NOT NULL,
    sent_at      INTEGER NOT NULL,
    due_at       INTEGER NOT NULL,
    status       TEXT NOT NULL,          -- sent, removed, still-online
    removed_at   INTEGER NOT NULL DEFAULT 0,
    checked_at   INTEGER NOT NULL DEFAULT 0,
    check_result TEXT NOT NULL DEFAULT '',
    actor        TEXT NOT NULL
) STRICT;
CREATE INDEX notices_case ON notices (case_id, sent_at);
CREATE INDEX notices_sent ON notices (sent_at);
