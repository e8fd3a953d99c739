package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/vigie-platform/vigie/stats"
)

// statsLock keys the serial lock that keeps two instances from
// recomputing the same days at once (see Engine.SerialLock).
const statsLock = 0x73746174 // "stat"

// RefreshStats implements stats.Store: the days from since are deleted
// and counted again from the tables, in one transaction.
func (s *Store) RefreshStats(ctx context.Context, since time.Time) (err error) {
	defer s.Guard(&err)
	day := since.UTC().Truncate(24 * time.Hour)
	from := micros(day)
	return s.inTx(ctx, "refresh stats", func(tx *sql.Tx) error {
		if err := s.engine.SerialLock(ctx, tx, statsLock); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM stats_daily WHERE day >= ?`), day.Format(time.DateOnly)); err != nil {
			return err
		}
		for _, q := range []string{
			`INSERT INTO stats_daily (day, metric, key, value) SELECT ` + s.engine.DayOf("created_at") + `, 'reports', category, count(*) FROM reports WHERE created_at >= ? GROUP BY 1, 3`,
			`INSERT INTO stats_daily (day, metric, key, value) SELECT ` + s.engine.DayOf("created_at") + `, 'cases', CASE WHEN category = '' THEN 'unqualified' ELSE category END, count(*) FROM cases WHERE created_at >= ? AND merged_into = '' GROUP BY 1, 3`,
			`INSERT INTO stats_daily (day, metric, key, value) SELECT ` + s.engine.DayOf("at") + `, 'referrals', destination, count(*) FROM referrals WHERE at >= ? GROUP BY 1, 3`,
		} {
			if _, err := tx.ExecContext(ctx, s.rebind(q), from); err != nil {
				return err
			}
		}
		return nil
	})
}

// StatsRows implements stats.Store.
func (s *Store) StatsRows(ctx context.Context, from, to time.Time) (_ []stats.Row, err error) {
	defer s.Guard(&err)
	f, t := from.UTC().Format(time.DateOnly), to.UTC().Format(time.DateOnly)
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT day, metric, key, value FROM stats_daily WHERE day >= ? AND day < ?
		UNION ALL SELECT day, 'visits', '', visits FROM visits_daily WHERE day >= ? AND day < ? ORDER BY 1`), f, t, f, t)
	return collect(rows, err, "stats", func(sc scanner) (stats.Row, error) {
		var r stats.Row
		err := sc.Scan(&r.Day, &r.Metric, &r.Key, &r.Value)
		return r, err
	})
}
