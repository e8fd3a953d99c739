-- Waves: reports that share a normalised URL, an attachment's hash or a
-- near-identical text, handled as one queue item (package wave).
CREATE TABLE waves (
    id         BIGSERIAL PRIMARY KEY,        -- the wave's number, shown to people
    created_at BIGINT NOT NULL,             -- unix microseconds
    last_at    BIGINT NOT NULL,             -- its newest member's reception
    size       INTEGER NOT NULL,
    kind       TEXT NOT NULL,                -- url, hash or text: what first gathered it
    key        TEXT NOT NULL DEFAULT '',     -- the URL or hash
    lead       TEXT NOT NULL                 -- the report the wave was started on
);

-- A report's wave. The queue shows a wave's earliest waiting member and
-- hides the others: one probe of reports_wave_open per row. The wave's page
-- lists members in order of reception from reports_wave_time.
ALTER TABLE reports ADD COLUMN wave_id BIGINT;
CREATE INDEX reports_wave_open ON reports (wave_id, triage, created_at, id) WHERE wave_id IS NOT NULL;
CREATE INDEX reports_wave_time ON reports (wave_id, created_at, id) WHERE wave_id IS NOT NULL;

-- Members received per day (Paris), for the growth chart: kept when a
-- member joins, so the chart of a wave of 40,000 reads a year of rows.
CREATE TABLE wave_days (
    wave_id BIGINT NOT NULL,
    day     TEXT NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (wave_id, day)
);

-- What reports may share: each key ("u:" URL, "h:" hash, "t<band>:" a text
-- signature's band) names the first report that had it. Later reports
-- with the key join that report's wave.
CREATE TABLE wave_keys (
    key       TEXT PRIMARY KEY,
    report_id TEXT NOT NULL
);
CREATE INDEX wave_keys_report ON wave_keys (report_id);

-- Text signatures (MinHash, 128 bytes, then the hashes of the contacts the
-- text names) of reports with a comparable text,
-- to confirm a band's candidate.
CREATE TABLE wave_signatures (
    report_id TEXT PRIMARY KEY,
    sig       BYTEA NOT NULL
);

-- Reports linked and not yet placed, in linking order.
CREATE TABLE wave_queue (
    seq       BIGSERIAL PRIMARY KEY,
    report_id TEXT NOT NULL UNIQUE
);
INSERT INTO wave_queue (report_id) SELECT id FROM reports WHERE id NOT IN (SELECT report_id FROM link_queue) ORDER BY created_at, id;
