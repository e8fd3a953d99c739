-- Hosting traces (issue 15): for each URL of a case, its host's address,
-- network, country and abuse contact, with the steps that found them (a
-- JSON array: name, result, source, error, time). A new trace of a case
-- replaces the previous one; a purged case loses its traces.
CREATE TABLE host_traces (
    case_id      TEXT NOT NULL,
    position     BIGINT NOT NULL,
    url          TEXT NOT NULL,
    host         TEXT NOT NULL,
    ip           TEXT NOT NULL,
    asn          BIGINT NOT NULL,
    org          TEXT NOT NULL,
    country      TEXT NOT NULL,
    abuse        TEXT NOT NULL,
    abuse_source TEXT NOT NULL,
    steps        TEXT NOT NULL,
    traced_at    BIGINT NOT NULL,
    actor        TEXT NOT NULL,
    PRIMARY KEY (case_id, position)
);
