package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/vigie-platform/vigie/removal"
)

const noticeColumns = `id, case_id, url, host, kind, legal_basis, sent_at, due_at, status, removed_at, checked_at, check_result, actor`

func scanNotice(sc scanner) (removal.Notice, error) {
	var n removal.Notice
	var sent, due, removed, checked int64
	err := sc.Scan(&n.ID, &n.CaseID, &n.URL, &n.Host, &n.Kind, &n.LegalBasis, &sent, &due, &n.Status, &removed, &checked, &n.CheckResult, &n.Actor)
	if errors.Is(err, sql.ErrNoRows) {
		return n, removal.ErrNotFound
	}
	n.SentAt, n.DueAt, n.RemovedAt, n.CheckedAt = fromMicros(sent), fromMicros(due), optMicros(removed), optMicros(checked)
	return n, err
}

// CreateNotice implements removal.Store.
func (s *Store) CreateNotice(ctx context.Context, n removal.Notice) (err error) {
	defer s.Guard(&err)
	return s.execOne(ctx, "create notice", nil, `INSERT INTO notices (`+noticeColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		n.ID, n.CaseID, n.URL, n.Host, n.Kind, n.LegalBasis, micros(n.SentAt), micros(n.DueAt), n.Status, micros0(n.RemovedAt), micros0(n.CheckedAt), n.CheckResult, n.Actor)
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

// UpdateNotice implements removal.Store.
func (s *Store) UpdateNotice(ctx context.Context, n removal.Notice) (err error) {
	defer s.Guard(&err)
	return s.execOne(ctx, "update notice", removal.ErrNotFound, `UPDATE notices SET status = ?, removed_at = ?, checked_at = ?, check_result = ? WHERE id = ?`,
		n.Status, micros0(n.RemovedAt), micros0(n.CheckedAt), n.CheckResult, n.ID)
}
