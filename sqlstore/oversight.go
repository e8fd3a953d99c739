package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/blocking"
)

// BlockingBatches implements blocking.OversightStore: one pass over the
// (state, batch, requested_at) index, a few rows per week.
func (s *Store) BlockingBatches(ctx context.Context) (_ []blocking.Batch, err error) {
	defer s.Guard(&err)
	rows, err := s.read.QueryContext(ctx, `SELECT batch, state, count(*), min(requested_at) FROM blocking_requests GROUP BY batch, state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byWeek := map[string]*blocking.Batch{}
	var weeks []string
	for rows.Next() {
		var week, state string
		var n, oldest int64
		if err := rows.Scan(&week, &state, &n, &oldest); err != nil {
			return nil, err
		}
		b := byWeek[week]
		if b == nil {
			b = &blocking.Batch{Week: week}
			byWeek[week] = b
			weeks = append(weeks, week)
		}
		switch state {
		case blocking.StatePending:
			b.Pending, b.OldestPending = int(n), fromMicros(oldest)
		case blocking.StateApproved:
			b.Approved = int(n)
		case blocking.StateRefused:
			b.Refused = int(n)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// "2026-W49" sorts as text in time order (four-digit years, two-digit weeks).
	out := make([]blocking.Batch, 0, len(weeks))
	for _, w := range weeks {
		out = append(out, *byWeek[w])
	}
	slices.SortFunc(out, func(a, b blocking.Batch) int { return strings.Compare(b.Week, a.Week) })
	return out, nil
}

// ReviewBlockingRequests implements blocking.OversightStore.
func (s *Store) ReviewBlockingRequests(ctx context.Context, ids []string, state, by, reason string, at time.Time) (done []string, err error) {
	defer s.Guard(&err)
	err = s.inTxOutcome(ctx, "review blocking requests", func(tx *sql.Tx) (audit.Outcome, error) {
		stmt, err := tx.PrepareContext(ctx, s.rebind(`UPDATE blocking_requests SET state = ?, reviewed_by = ?, reviewed_at = ?, review_reason = ?, changed_at = ?
			WHERE id = ? AND state = 'pending'`))
		if err != nil {
			return audit.Outcome{}, err
		}
		defer stmt.Close()
		done = done[:0]
		for _, id := range ids {
			res, err := stmt.ExecContext(ctx, state, by, micros(at), reason, feedStamp(), id)
			if err != nil {
				return audit.Outcome{}, err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				done = append(done, id)
			}
		}
		return audit.Outcome{Changed: len(done), IDs: done}, nil
	})
	if err != nil {
		return nil, err
	}
	return done, nil
}
