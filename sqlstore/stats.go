package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/vigie-platform/vigie/stats"
)

// statsLock keys the PostgreSQL advisory lock that keeps two instances
// from recomputing the same days at once.
const statsLock = 0x73746174 // "stat"

// dayOf renders a unix-microseconds column as a UTC day.
func (w *Workspace) dayOf(col string) string {
	if w.q.dialect.SkipLocked {
		return `to_char(to_timestamp(` + col + ` / 1000000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')`
	}
	return `strftime('%Y-%m-%d', ` + col + ` / 1000000, 'unixepoch')`
}

// RefreshStats implements stats.Store: the days from since are deleted
// and counted again from the tables, in one transaction.
func (w *Workspace) RefreshStats(ctx context.Context, since time.Time) error {
	day := since.UTC().Truncate(24 * time.Hour)
	from := micros(day)
	return w.inTx(ctx, "refresh stats", func(tx *sql.Tx) error {
		if w.q.dialect.SkipLocked {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, statsLock); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, w.q.Q(`DELETE FROM stats_daily WHERE day >= ?`), day.Format(time.DateOnly)); err != nil {
			return err
		}
		for _, q := range []string{
			`INSERT INTO stats_daily (day, metric, key, value) SELECT ` + w.dayOf("created_at") + `, 'reports', category, count(*) FROM reports WHERE created_at >= ? GROUP BY 1, 3`,
			`INSERT INTO stats_daily (day, metric, key, value) SELECT ` + w.dayOf("created_at") + `, 'cases', CASE WHEN category = '' THEN 'unqualified' ELSE category END, count(*) FROM cases WHERE created_at >= ? AND merged_into = '' GROUP BY 1, 3`,
			`INSERT INTO stats_daily (day, metric, key, value) SELECT ` + w.dayOf("at") + `, 'referrals', destination, count(*) FROM referrals WHERE at >= ? GROUP BY 1, 3`,
		} {
			if _, err := tx.ExecContext(ctx, w.q.Q(q), from); err != nil {
				return err
			}
		}
		return nil
	})
}

// StatsRows implements stats.Store.
func (w *Workspace) StatsRows(ctx context.Context, from, to time.Time) ([]stats.Row, error) {
	f, t := from.UTC().Format(time.DateOnly), to.UTC().Format(time.DateOnly)
	rows, err := w.read.QueryContext(ctx, w.q.Q(`SELECT day, metric, key, value FROM stats_daily WHERE day >= ? AND day < ?
		UNION ALL SELECT day, 'visits', '', visits FROM visits_daily WHERE day >= ? AND day < ? ORDER BY 1`), f, t, f, t)
	if err != nil {
		return nil, fmt.Errorf("stats: %w", err)
	}
	defer rows.Close()
	var out []stats.Row
	for rows.Next() {
		var r stats.Row
		if err := rows.Scan(&r.Day, &r.Metric, &r.Key, &r.Value); err != nil {
			return nil, fmt.Errorf("stats: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
