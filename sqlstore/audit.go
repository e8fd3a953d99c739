package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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
