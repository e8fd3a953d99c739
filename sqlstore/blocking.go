package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/blocking"
)

const blockingColumns = `id, notice_id, case_id, url, domain, category, reason, requested_at, batch, state, reviewed_by, reviewed_at, review_reason, gone_since`

func blockingArgs(r blocking.Request) []any {
	return []any{r.ID, r.NoticeID, r.CaseID, r.URL, r.Domain, r.Category, r.Reason, micros(r.RequestedAt), r.Batch, r.State,
		r.ReviewedBy, micros0(r.ReviewedAt), r.ReviewReason, micros0(r.GoneSince)}
}

func scanBlocking(sc scanner) (blocking.Request, error) {
	var r blocking.Request
	var requested, reviewed, gone int64
	err := sc.Scan(&r.ID, &r.NoticeID, &r.CaseID, &r.URL, &r.Domain, &r.Category, &r.Reason, &requested, &r.Batch, &r.State,
		&r.ReviewedBy, &reviewed, &r.ReviewReason, &gone)
	if errors.Is(err, sql.ErrNoRows) {
		return r, blocking.ErrNotFound
	}
	r.RequestedAt, r.ReviewedAt, r.GoneSince = fromMicros(requested), optMicros(reviewed), optMicros(gone)
	return r, err
}

// BlockingRequest implements blocking.Store.
func (s *Store) BlockingRequest(ctx context.Context, id string) (_ blocking.Request, err error) {
	defer s.Guard(&err)
	return scanBlocking(s.write.QueryRowContext(ctx, s.rebind(`SELECT `+blockingColumns+` FROM blocking_requests WHERE id = ?`), id))
}

// BlockingRequests implements blocking.Store: oldest first, so that a
// batch is worked through in the order it came.
func (s *Store) BlockingRequests(ctx context.Context, f blocking.Filter) (_ []blocking.Request, err error) {
	defer s.Guard(&err)
	limit := f.Limit
	if limit <= 0 {
		limit = 500
	}
	q := `SELECT ` + blockingColumns + ` FROM blocking_requests WHERE 1 = 1`
	var args []any
	if f.State != "" {
		q += ` AND state = ?`
		args = append(args, f.State)
	}
	if f.Batch != "" {
		q += ` AND batch = ?`
		args = append(args, f.Batch)
	}
	q += ` ORDER BY requested_at, id LIMIT ? OFFSET ?`
	args = append(args, limit, max(0, f.Offset))
	rows, err := s.read.QueryContext(ctx, s.rebind(q), args...)
	return collectRows(rows, err, "blocking requests", scanBlocking)
}

// ReviewBlockingRequest implements blocking.Store.
func (s *Store) ReviewBlockingRequest(ctx context.Context, id, state, by, reason string, at time.Time) (err error) {
	defer s.Guard(&err)
	return s.inTxOutcome(ctx, "review blocking request", func(tx *sql.Tx) (audit.Outcome, error) {
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE blocking_requests SET state = ?, reviewed_by = ?, reviewed_at = ?, review_reason = ?, changed_at = ?
			WHERE id = ? AND state = 'pending'`), state, by, micros(at), reason, feedStamp(), id)
		if err != nil {
			return audit.Outcome{}, err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return audit.Outcome{Changed: 1}, nil
		}
		var found int
		if err := tx.QueryRowContext(ctx, s.rebind(`SELECT count(*) FROM blocking_requests WHERE id = ?`), id).Scan(&found); err != nil {
			return audit.Outcome{}, err
		}
		if found == 0 {
			return audit.Outcome{}, blocking.ErrNotFound
		}
		return audit.Outcome{}, blocking.ErrReviewed
	})
}

// SetBlockingGone implements blocking.Store.
func (s *Store) SetBlockingGone(ctx context.Context, noticeID string, since time.Time) (err error) {
	defer s.Guard(&err)
	return s.execOne(ctx, "blocking request gone", blocking.ErrNotFound, `UPDATE blocking_requests SET gone_since = ?, changed_at = ? WHERE notice_id = ?`,
		micros0(since), feedStamp(), noticeID)
}
