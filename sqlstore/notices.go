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
	recipient, category, network, mailed_at, mail_error, next_check_at, checks, escalated_at, mail_attempts, mail_next_at, never_fetch`

func scanNotice(sc scanner) (removal.Notice, error) {
	var n removal.Notice
	var sent, due, removed, checked, mailed, next, escalated, mailNext, neverFetch int64
	err := sc.Scan(&n.ID, &n.CaseID, &n.URL, &n.Host, &n.Kind, &n.LegalBasis, &sent, &due, &n.Status, &removed, &checked, &n.CheckResult, &n.Actor,
		&n.Recipient, &n.Category, &n.Network, &mailed, &n.MailError, &next, &n.Checks, &escalated, &n.MailAttempts, &mailNext, &neverFetch)
	if errors.Is(err, sql.ErrNoRows) {
		return n, removal.ErrNotFound
	}
	n.SentAt, n.DueAt, n.RemovedAt, n.CheckedAt = fromMicros(sent), fromMicros(due), optMicros(removed), optMicros(checked)
	n.MailedAt, n.NextCheckAt, n.EscalatedAt = optMicros(mailed), optMicros(next), optMicros(escalated)
	n.MailNextAt, n.NeverFetch = optMicros(mailNext), neverFetch != 0
	return n, err
}

// CreateNotice implements removal.Store.
func (s *Store) CreateNotice(ctx context.Context, n removal.Notice) (err error) {
	defer s.Guard(&err)
	return s.execOne(ctx, "create notice", nil, `INSERT INTO notices (`+noticeColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?, ?,?,?,?,?,?,?,?, ?,?,?)`,
		n.ID, n.CaseID, n.URL, n.Host, n.Kind, n.LegalBasis, micros(n.SentAt), micros(n.DueAt), n.Status, micros0(n.RemovedAt), micros0(n.CheckedAt), n.CheckResult, n.Actor,
		n.Recipient, n.Category, n.Network, micros0(n.MailedAt), n.MailError, micros0(n.NextCheckAt), n.Checks, micros0(n.EscalatedAt),
		n.MailAttempts, micros0(n.MailNextAt), boolInt(n.NeverFetch))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
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
// category) never changes; the lifecycle's columns do. An escalated
// notice's removal time is its blocking request's gone-since, written in
// the same transaction so that the feeds and the notice never disagree.
func (s *Store) UpdateNotice(ctx context.Context, n removal.Notice) (err error) {
	defer s.Guard(&err)
	return s.inTxOutcome(ctx, "update notice", func(tx *sql.Tx) (audit.Outcome, error) {
		res, err := tx.ExecContext(ctx, s.rebind(noticeUpdate), noticeUpdateArgs(n)...)
		if err != nil {
			return audit.Outcome{}, err
		}
		if changed, _ := res.RowsAffected(); changed == 0 {
			return audit.Outcome{}, removal.ErrNotFound
		}
		return audit.Outcome{Changed: 1}, s.syncGone(ctx, tx, n)
	})
}

// syncGone copies an escalated notice's removal time to its blocking
// request (zero: online again).
func (s *Store) syncGone(ctx context.Context, tx *sql.Tx, n removal.Notice) error {
	if n.EscalatedAt.IsZero() {
		return nil
	}
	// changed_at only when gone_since moves: the feeds reload what it
	// stamps, and most checks see what the one before saw.
	gone := micros0(n.RemovedAt)
	_, err := tx.ExecContext(ctx, s.rebind(`UPDATE blocking_requests SET gone_since = ?, changed_at = ? WHERE notice_id = ? AND gone_since <> ?`),
		gone, feedStamp(), n.ID, gone)
	return err
}

// ClaimNoticeChecks implements removal.Store. The claim is one statement:
// the due rows, read through the partial index on next_check_at, get a
// next check a lease ahead, and come back with it.
func (s *Store) ClaimNoticeChecks(ctx context.Context, now time.Time, lease time.Duration, limit int) (out []removal.Notice, err error) {
	defer s.Guard(&err)
	err = s.inTxOutcome(ctx, "claim notice checks", func(tx *sql.Tx) (audit.Outcome, error) {
		rows, err := tx.QueryContext(ctx, s.rebind(`UPDATE notices SET next_check_at = ?
			WHERE id IN (SELECT id FROM notices WHERE next_check_at > 0 AND next_check_at <= ? ORDER BY next_check_at LIMIT ?`+s.engine.ClaimSuffix("")+`)
			RETURNING `+noticeColumns), micros(now.Add(lease)), micros(now), limit)
		out, err = collect(rows, err, "claim notice checks", scanNotice)
		return audit.Outcome{Changed: len(out)}, err
	})
	return out, err
}

// SaveNoticeCheck implements removal.Store.
func (s *Store) SaveNoticeCheck(ctx context.Context, n removal.Notice, claimed time.Time) (err error) {
	defer s.Guard(&err)
	return s.inTxOutcome(ctx, "save notice check", func(tx *sql.Tx) (audit.Outcome, error) {
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE notices SET status = ?, removed_at = ?, checked_at = ?, check_result = ?, checks = ?, next_check_at = ?
			WHERE id = ? AND next_check_at = ?`),
			n.Status, micros0(n.RemovedAt), micros0(n.CheckedAt), n.CheckResult, n.Checks, micros0(n.NextCheckAt), n.ID, micros0(claimed))
		if err != nil {
			return audit.Outcome{}, err
		}
		if changed, _ := res.RowsAffected(); changed == 0 {
			return audit.Outcome{}, removal.ErrClaimLost
		}
		return audit.Outcome{Changed: 1}, s.syncGone(ctx, tx, n)
	})
}

// ClaimNoticeMail implements removal.Store, as ClaimNoticeChecks does.
func (s *Store) ClaimNoticeMail(ctx context.Context, now time.Time, lease time.Duration, limit int) (out []removal.Notice, err error) {
	defer s.Guard(&err)
	err = s.inTxOutcome(ctx, "claim notice mail", func(tx *sql.Tx) (audit.Outcome, error) {
		rows, err := tx.QueryContext(ctx, s.rebind(`UPDATE notices SET mail_next_at = ?, mail_attempts = mail_attempts + 1
			WHERE id IN (SELECT id FROM notices WHERE mail_next_at > 0 AND mail_next_at <= ? ORDER BY mail_next_at LIMIT ?`+s.engine.ClaimSuffix("")+`)
			RETURNING `+noticeColumns), micros(now.Add(lease)), micros(now), limit)
		out, err = collect(rows, err, "claim notice mail", scanNotice)
		return audit.Outcome{Changed: len(out)}, err
	})
	return out, err
}

// SaveNoticeMail implements removal.Store.
func (s *Store) SaveNoticeMail(ctx context.Context, n removal.Notice) (err error) {
	defer s.Guard(&err)
	return s.execOne(ctx, "save notice mail", removal.ErrNotFound, `UPDATE notices SET mailed_at = ?, mail_error = ?, mail_attempts = ?, mail_next_at = ? WHERE id = ?`,
		micros0(n.MailedAt), n.MailError, n.MailAttempts, micros0(n.MailNextAt), n.ID)
}

// NoticesSent implements removal.Store.
func (s *Store) NoticesSent(ctx context.Context, from, to time.Time) (_ []removal.Notice, err error) {
	defer s.Guard(&err)
	return s.notices(ctx, `SELECT `+noticeColumns+` FROM notices WHERE sent_at >= ? AND sent_at < ? ORDER BY sent_at, id`, micros(from), micros(to))
}

// EscalateNotice implements removal.Store.
func (s *Store) EscalateNotice(ctx context.Context, n removal.Notice, r blocking.Request) (err error) {
	defer s.Guard(&err)
	return s.inTxOutcome(ctx, "escalate notice", func(tx *sql.Tx) (audit.Outcome, error) {
		// Never over a removal recorded meanwhile (an analyst's record during
		// the scheduler's last check): a removed notice does not escalate.
		// Only the check's and the escalation's columns: the mail worker may
		// be writing the mail's meanwhile.
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE notices SET status = ?, removed_at = ?, checked_at = ?, check_result = ?, checks = ?, next_check_at = ?, escalated_at = ?
			WHERE id = ? AND escalated_at = 0 AND status <> 'removed'`),
			n.Status, micros0(n.RemovedAt), micros0(n.CheckedAt), n.CheckResult, n.Checks, micros0(n.NextCheckAt), micros0(n.EscalatedAt), n.ID)
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
