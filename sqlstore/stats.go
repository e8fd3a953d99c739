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

// hourMicros is an hour in the stores' unit of time (microseconds).
const hourMicros = int64(time.Hour / time.Microsecond)

// RefreshStats implements stats.Store: the days from since's day are
// deleted and counted again from the tables, in one transaction. Days are
// Paris days (stats.Zone): the tables are counted per UTC hour, which the
// engines share, and each hour is put in the Paris day it falls in (the
// zone's offsets are whole hours).
func (s *Store) RefreshStats(ctx context.Context, since time.Time) (err error) {
	defer s.Guard(&err)
	start := stats.DayStart(since)
	from := micros(start)
	return s.inTx(ctx, "refresh stats", func(tx *sql.Tx) error {
		if err := s.engine.SerialLock(ctx, tx, statsLock); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM stats_daily WHERE day >= ?`), stats.DayOf(start)); err != nil {
			return err
		}
		type cell struct{ day, metric, key string }
		counts := map[cell]int64{}
		for _, q := range []struct{ metric, query string }{
			{stats.Reports, `SELECT created_at / ?, category, count(*) FROM reports WHERE created_at >= ? GROUP BY 1, 2`},
			{stats.Cases, `SELECT created_at / ?, CASE WHEN category = '' THEN 'unqualified' ELSE category END, count(*) FROM cases WHERE created_at >= ? AND merged_into = '' GROUP BY 1, 2`},
			{stats.Referrals, `SELECT at / ?, destination, count(*) FROM referrals WHERE at >= ? GROUP BY 1, 2`},
			{stats.KnownMatches, `SELECT created_at / ?, bank_name, count(DISTINCT report_id) FROM report_matches WHERE created_at >= ? GROUP BY 1, 2`},
		} {
			rows, err := tx.QueryContext(ctx, s.rebind(q.query), hourMicros, from)
			if err != nil {
				return err
			}
			for rows.Next() {
				var hour, n int64
				var key string
				if err := rows.Scan(&hour, &key, &n); err != nil {
					rows.Close()
					return err
				}
				counts[cell{stats.DayOf(time.Unix(hour*3600, 0)), q.metric, key}] += n
			}
			if err := endRows(rows); err != nil {
				return err
			}
		}
		insert := s.rebind(`INSERT INTO stats_daily (day, metric, key, value) VALUES (?, ?, ?, ?)`)
		for c, n := range counts {
			if _, err := tx.ExecContext(ctx, insert, c.day, c.metric, c.key, n); err != nil {
				return err
			}
		}
		return nil
	})
}

// StatsRows implements stats.Store.
func (s *Store) StatsRows(ctx context.Context, from, to time.Time) (_ []stats.Row, err error) {
	defer s.Guard(&err)
	f, t := stats.DayOf(from), stats.DayOf(to)
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT day, metric, key, value FROM stats_daily WHERE day >= ? AND day < ?
		UNION ALL SELECT day, 'visits', '', visits FROM visits_daily WHERE day >= ? AND day < ? ORDER BY 1, 2, 3`), f, t, f, t)
	return collect(rows, err, "stats", func(sc scanner) (stats.Row, error) {
		var r stats.Row
		err := sc.Scan(&r.Day, &r.Metric, &r.Key, &r.Value)
		return r, err
	})
}
