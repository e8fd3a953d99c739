package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/blocking"
	"github.com/vigie-platform/vigie/removal"
)

const noticeColumns = `id, case_id, url, host, kind, legal_basis, sent_at, due_at, status, removed_at, checked_at, check_result, actor,
	recipient, category, network, mailed_at, mail_error, next_check_at, checks, escalated_at`

func scanNotice(sc scanner) (removal.Notice, error) {
	var n removal.Notice
	var sent, due, removed, checked, mailed, next, escalated int64
	err := sc.Scan(&n.ID, &n.CaseID, &n.URL, &n.Host, &n.Kind, &n.LegalBasis, &sent, &due, &n.Status, &removed, &checked, &n.CheckResult, &n.Actor,
		&n.Recipient, &n.Category, &n.Network, &mailed, &n.MailError, &next, &n.Checks, &escalated)
	if errors.Is(err, sql.ErrNoRows) {
		return n, removal.ErrNotFound
	}
	n.SentAt, n.DueAt, n.RemovedAt, n.CheckedAt = fromMicros(sent), fromMicros(due), optMicros(removed), optMicros(checked)
	n.MailedAt, n.NextCheckAt, n.EscalatedAt = optMicros(mailed), optMicros(next), optMicros(escalated)
	return n, err
}

// CreateNotice implements removal.Store.
func (s *Store) CreateNotice(ctx context.Context, n removal.Notice) (err error) {
	defer s.Guard(&err)
	return s.execOne(ctx, "create notice", nil, `INSERT INTO notices (`+noticeColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?, ?,?,?,?,?,?,?,?)`,
		n.ID, n.CaseID, n.URL, n.Host, n.Kind, n.LegalBasis, micros(n.SentAt), micros(n.DueAt), n.Status, micros0(n.RemovedAt), micros0(n.CheckedAt), n.CheckResult, n.Actor,
		n.Recipient, n.Category, n.Network, micros0(n.MailedAt), n.MailError, micros0(n.NextCheckAt), n.Checks, micros0(n.EscalatedAt))
}

// Notice implements removal.Store.
func (s *Store) Notice(ctx context.Context, id string) (_ removal.Notice, err error) {
	defer s.Guard(&err)
	return scanNotice(s.write.QueryRowContext(ctx, s.rebind(`SELECT `+noticeColumns+` FROM notices WHERE id = ?`), id))
}

func (s *Store) notices(ctx context.Context, query string, args ...any) ([]removal.Notice, error) {
	rows, err := s.read.QueryContext(ctx, s.rebind(query), args...)
	return collectRows(rows, err, "notices", scanNotice)
}

// CaseNotices implements removal.Store.
func (s *Store) CaseNotices(ctx context.Context, caseID string) (_ []removal.Notice, err error) {
	defer s.Guard(&err)
	return s.notices(ctx, `SELECT `+noticeColumns+` FROM notices WHERE case_id = ? ORDER BY sent_at`, caseID)
}

// RemovedNotices implements removal.Store.
func (s *Store) RemovedNotices(ctx context.Context, from, to time.Time) (_ []removal.Notice, err error) {
	defer s.Guard(&err)
	return s.notices(ctx, `SELECT `+noticeColumns+` FROM notices WHERE sent_at >= ? AND sent_at < ? AND status = 'removed' ORDER BY sent_at`, micros(from), micros(to))
}

const noticeUpdate = `UPDATE notices SET status = ?, removed_at = ?, checked_at = ?, check_result = ?,
	recipient = ?, network = ?, mailed_at = ?, mail_error = ?, next_check_at = ?, checks = ?, escalated_at = ? WHERE id = ?`

func noticeUpdateArgs(n removal.Notice) []any {
	return []any{n.Status, micros0(n.RemovedAt), micros0(n.CheckedAt), n.CheckResult,
		n.Recipient, n.Network, micros0(n.MailedAt), n.MailError, micros0(n.NextCheckAt), n.Checks, micros0(n.EscalatedAt), n.ID}
}

// UpdateNotice implements removal.Store. What was sent (URL, kind, dates,
// category) never changes; the lifecycle's columns do.
func (s *Store) UpdateNotice(ctx context.Context, n removal.Notice) (err error) {
	defer s.Guard(&err)
	return s.execOne(ctx, "update notice", removal.ErrNotFound, noticeUpdate, noticeUpdateArgs(n)...)
}

// EscalateNotice implements removal.Store.
func (s *Store) EscalateNotice(ctx context.Context, n removal.Notice, r blocking.Request) (err error) {
	defer s.Guard(&err)
	return s.inTxOutcome(ctx, "escalate notice", func(tx *sql.Tx) (audit.Outcome, error) {
		res, err := tx.ExecContext(ctx, s.rebind(noticeUpdate+` AND escalated_at = 0`), noticeUpdateArgs(n)...)
		if err != nil {
			return audit.Outcome{}, err
		}
		if changed, _ := res.RowsAffected(); changed == 0 {
			return audit.Outcome{}, removal.ErrNotFound
		}
		_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO blocking_requests (`+blockingColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`),
			blockingArgs(r)...)
		return audit.Outcome{Changed: 1}, err
	})
}
