package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/vigie-platform/vigie/audit"
)

// auditLock keys the PostgreSQL advisory lock that serialises appenders
// across instances (the chain needs one writer at a time).
const auditLock = 0x61756474 // "audt"

// AppendAudit chains and stores one entry in its own transaction.
func (q *Queries) AppendAudit(ctx context.Context, db TxBeginner, e audit.Entry) (audit.Entry, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return e, fmt.Errorf("audit: %w", err)
	}
	defer tx.Rollback()
	if q.dialect.SkipLocked { // PostgreSQL: other instances append too
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, auditLock); err != nil {
			return e, fmt.Errorf("audit lock: %w", err)
		}
	}
	var prev audit.Entry
	var hasPrev bool
	err = tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&prev.Seq, &prev.Hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return e, fmt.Errorf("audit: last entry: %w", err)
	default:
		hasPrev = true
	}
	if hasPrev {
		e = audit.Seal(e, &prev)
	} else {
		e = audit.Seal(e, nil)
	}
	if _, err := tx.ExecContext(ctx, q.Q(`INSERT INTO audit_log (seq, at, actor, action, object_type, object_id, source, detail, prev_hash, hash)
		VALUES (?,?,?,?,?,?,?,?,?,?)`), e.Seq, e.At.UnixMicro(), e.Actor, e.Action, e.ObjectType, e.ObjectID, e.Source, e.Detail, e.PrevHash, e.Hash); err != nil {
		return e, fmt.Errorf("audit: append: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return e, fmt.Errorf("audit: commit: %w", err)
	}
	return e, nil
}

// AuditEntries reads the trail in order.
func (q *Queries) AuditEntries(ctx context.Context, db Execer, fn func(audit.Entry) error) error {
	rows, err := db.QueryContext(ctx, `SELECT seq, at, actor, action, object_type, object_id, source, detail, prev_hash, hash FROM audit_log ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("audit: read: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e audit.Entry
		var at int64
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.ObjectType, &e.ObjectID, &e.Source, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
			return fmt.Errorf("audit: read: %w", err)
		}
		e.At = fromMicros(at)
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// FindAudit reads entries for the viewer, newest first.
func (w *Workspace) FindAudit(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	var where []string
	var args []any
	add := func(cond string, v any) { where, args = append(where, cond), append(args, v) }
	if f.Actor != "" {
		add(`actor = ?`, f.Actor)
	}
	if strings.HasSuffix(f.Action, ".") {
		add(`action LIKE ? ESCAPE '\'`, likePrefix(f.Action))
	} else if f.Action != "" {
		add(`action = ?`, f.Action)
	}
	if f.ObjectType != "" {
		add(`object_type = ?`, f.ObjectType)
	}
	if f.ObjectID != "" {
		add(`object_id = ?`, f.ObjectID)
	}
	if !f.From.IsZero() {
		add(`at >= ?`, micros(f.From))
	}
	if !f.To.IsZero() {
		add(`at < ?`, micros(f.To))
	}
	if f.BeforeSeq > 0 {
		add(`seq < ?`, f.BeforeSeq)
	}
	q := `SELECT seq, at, actor, action, object_type, object_id, source, detail, prev_hash, hash FROM audit_log`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	args = append(args, f.Limit)
	rows, err := w.read.QueryContext(ctx, w.q.Q(q+` ORDER BY seq DESC LIMIT ?`), args...)
	if err != nil {
		return nil, fmt.Errorf("audit: find: %w", err)
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		var e audit.Entry
		var at int64
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.ObjectType, &e.ObjectID, &e.Source, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("audit: find: %w", err)
		}
		e.At = fromMicros(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
