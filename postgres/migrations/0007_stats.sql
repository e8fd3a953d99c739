-- Pre-aggregated figures per UTC day: the statistics pages read these,
-- never the reports. Recent days are recomputed from the tables; older
-- days stay as they were, so purging old reports keeps the figures.
CREATE TABLE stats_daily (
    day    TEXT NOT NULL,     -- YYYY-MM-DD, UTC
    metric TEXT NOT NULL,     -- reports, cases, referrals
    key    TEXT NOT NULL,     -- category, or destination
    value  BIGINT NOT NULL,
    PRIMARY KEY (day, metric, key)
);
CREATE INDEX cases_created ON cases (created_at);
CREATE INDEX referrals_at ON referrals (at);
