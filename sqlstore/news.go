package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/news"
	"github.com/vigie-platform/vigie/report"
)

// newsStatuses are the statuses a subscriber hears of (news.Notifies), as
// SQL text.
const newsStatuses = `('analysing', 'referred', 'closed')`

// subscribeNews records the consent of the reports just inserted that
// asked for news, in the intake's transaction.
func (s *Store) subscribeNews(ctx context.Context, tx Execer, reports []*report.Report, inserted map[string]bool) error {
	for _, r := range reports {
		if !inserted[r.ID] || !r.Notify || r.Reporter.Email == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO news_subscriptions (report_id, last_status, created_at) VALUES (?, ?, ?)`),
			r.ID, string(r.Status), micros(r.CreatedAt)); err != nil {
			return fmt.Errorf("subscribe to news: %w", err)
		}
	}
	return nil
}

// queueNews writes, in the transaction that changed reports' status, one
// outbox row for each report matched by cond (over reports r) whose
// subscriber has not heard of its new status yet. Every UPDATE of
// reports.status calls it, so that no status change is missed and none is
// sent twice.
func (s *Store) queueNews(ctx context.Context, tx *sql.Tx, at time.Time, cond string, args ...any) error {
	// Due at once (0): the change's clock may be another than the worker's.
	both := append([]any{micros(at)}, args...)
	if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO news_outbox (report_id, status, next_attempt_at, created_at)
		SELECT r.id, r.status, 0, ? FROM reports r JOIN news_subscriptions n ON n.report_id = r.id
		WHERE `+cond+` AND n.stopped_at = 0 AND r.status IN `+newsStatuses+` AND r.status <> n.last_status`), both...); err != nil {
		return fmt.Errorf("queue news: %w", err)
	}
	// A report put back in the queue ('received') keeps its last news:
	// taken again, it does not say "analysing" a second time.
	if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE news_subscriptions
		SET last_status = (SELECT r.status FROM reports r WHERE r.id = news_subscriptions.report_id)
		WHERE stopped_at = 0 AND report_id IN (SELECT r.id FROM reports r WHERE `+cond+` AND r.status IN `+newsStatuses+`)`), args...); err != nil {
		return fmt.Errorf("queue news: %w", err)
	}
	return nil
}

// queueNewsFor is queueNews for reports named by id.
func (s *Store) queueNewsFor(ctx context.Context, tx *sql.Tx, at time.Time, ids []string) error {
	for lo := 0; lo < len(ids); lo += 500 {
		chunk := ids[lo:min(lo+500, len(ids))]
		if err := s.queueNews(ctx, tx, at, `r.id IN (`+Placeholders(len(chunk))+`)`, toAny(chunk)...); err != nil {
			return err
		}
	}
	return nil
}

// queueNewsOfCase is queueNews for a case's reports.
func (s *Store) queueNewsOfCase(ctx context.Context, tx *sql.Tx, at time.Time, caseID string) error {
	return s.queueNews(ctx, tx, at, `r.case_id = ? AND r.case_id <> ''`, caseID)
}

// ClaimNews implements news.Store. As with deliveries, instances claim
// different rows (SKIP LOCKED). The address is read from the report's
// sealed contact here, in the claim's transaction, and never written.
func (s *Store) ClaimNews(ctx context.Context, now time.Time, lease time.Duration, limit int) (out []news.Notice, err error) {
	defer s.Guard(&err)
	err = s.inTxOutcome(ctx, "claim news", func(tx *sql.Tx) (audit.Outcome, error) {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, s.rebind(`UPDATE news_outbox SET attempts = attempts + 1, next_attempt_at = ?
			WHERE id IN (SELECT id FROM news_outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`+s.engine.ClaimSuffix("")+`)
			RETURNING id, report_id, status, attempts`), micros(now.Add(lease)), micros(now), limit)
		if err != nil {
			return audit.Outcome{}, err
		}
		claimed, err := collect(rows, nil, "claim news", func(sc scanner) (news.Notice, error) {
			var n news.Notice
			var status string
			err := sc.Scan(&n.ID, &n.ReportID, &status, &n.Attempts)
			n.Status = report.Status(status)
			return n, err
		})
		if err != nil {
			return audit.Outcome{}, err
		}
		for _, n := range claimed {
			var stopped int64
			err := tx.QueryRowContext(ctx, s.rebind(`SELECT stopped_at FROM news_subscriptions WHERE report_id = ?`), n.ReportID).Scan(&stopped)
			if errors.Is(err, sql.ErrNoRows) {
				stopped = 1 // purged
			} else if err != nil {
				return audit.Outcome{}, err
			}
			var r report.Report
			if stopped == 0 {
				if r, err = s.scanReport(ctx, tx, `WHERE id = ?`, n.ReportID); err != nil {
					return audit.Outcome{}, err
				}
			}
			if stopped != 0 || r.Reporter.Email == "" {
				if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE news_outbox SET state = 'dropped' WHERE id = ?`), n.ID); err != nil {
					return audit.Outcome{}, err
				}
				continue
			}
			n.Receipt, n.Lang, n.Email = r.Receipt, r.Lang, r.Reporter.Email
			out = append(out, n)
		}
		return audit.Outcome{Changed: len(claimed)}, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// NewsSent implements news.Store.
func (s *Store) NewsSent(ctx context.Context, id int64, at time.Time) (err error) {
	defer s.Guard(&err)
	return s.execOne(ctx, "news sent", nil, `UPDATE news_outbox SET state = 'sent', sent_at = ? WHERE id = ? AND state = 'pending'`, micros(at), id)
}

// NewsFailed implements news.Store.
func (s *Store) NewsFailed(ctx context.Context, id int64, lastError string, next time.Time, dead bool) (err error) {
	defer s.Guard(&err)
	state := "pending"
	if dead {
		state = "dead"
	}
	return s.execOne(ctx, "news failed", nil, `UPDATE news_outbox SET last_error = ?, next_attempt_at = ?, state = ? WHERE id = ? AND state = 'pending'`,
		lastError, micros(next), state, id)
}

// StopNews implements news.Store: the subscription ends and what it had
// queued is dropped, in one transaction with its audit entry.
func (s *Store) StopNews(ctx context.Context, receipt string, at time.Time) (stopped bool, err error) {
	defer s.Guard(&err)
	err = s.inTxOutcome(ctx, "stop news", func(tx *sql.Tx) (audit.Outcome, error) {
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE news_subscriptions SET stopped_at = ?
			WHERE stopped_at = 0 AND report_id = (SELECT id FROM reports WHERE receipt = ?)`), micros(at), receipt)
		if err != nil {
			return audit.Outcome{}, err
		}
		n, _ := res.RowsAffected()
		stopped = n > 0
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE news_outbox SET state = 'dropped'
			WHERE state = 'pending' AND report_id = (SELECT id FROM reports WHERE receipt = ?)`), receipt); err != nil {
			return audit.Outcome{}, err
		}
		return audit.Outcome{Changed: int(n)}, nil
	})
	return stopped, err
}

// Subscribed implements news.Store.
func (s *Store) Subscribed(ctx context.Context, receipt string) (_ bool, err error) {
	defer s.Guard(&err)
	var n int
	err = s.read.QueryRowContext(ctx, s.rebind(`SELECT count(*) FROM news_subscriptions n JOIN reports r ON r.id = n.report_id
		WHERE r.receipt = ? AND n.stopped_at = 0`), receipt).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("read news subscription: %w", err)
	}
	return n > 0, nil
}
