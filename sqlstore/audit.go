package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/vigie-platform/vigie/audit"
)

// auditColumns are an entry's columns, in scanEntry's order.
const auditColumns = `seq, at, actor, action, object_type, object_id, source, detail, prev_hash, hash`

func scanEntry(sc scanner) (audit.Entry, error) {
	var e audit.Entry
	var at int64
	err := sc.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.ObjectType, &e.ObjectID, &e.Source, &e.Detail, &e.PrevHash, &e.Hash)
	e.At = fromMicros(at)
	return e, err
}

// auditLock keys the serial lock of appends to the audit chain, which
// needs one appender at a time (see Engine.SerialLock).
const auditLock = 0x61756474 // "audt"

// AppendAudit chains and stores one entry in its own transaction: for
// audited reads (views, exports, refusals), which change nothing else.
// Changes carry their entries to the write instead (audit.Within), and
// these are not taken here, so that an entry read here cannot commit
// ahead of a change that may still fail.
func (s *Store) AppendAudit(ctx context.Context, e audit.Entry) (_ audit.Entry, err error) {
	defer s.Guard(&err)
	var sealed []audit.Entry
	err = s.transact(ctx, s.write, "append audit entry", func(tx *sql.Tx) error {
		var err error
		sealed, err = s.appendAudit(ctx, tx, []audit.Entry{e})
		return err
	})
	if err != nil {
		return e, err
	}
	return sealed[0], nil
}

// appendAudit chains entries to the trail inside tx. The serial lock is
// taken here, at the end of the change's transaction, so that appenders
// wait for one another only over the insert and the commit.
func (s *Store) appendAudit(ctx context.Context, tx *sql.Tx, entries []audit.Entry) ([]audit.Entry, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	if err := s.engine.SerialLock(ctx, tx, auditLock); err != nil {
		return nil, fmt.Errorf("%w: lock: %w", audit.ErrUnwritten, err)
	}
	var prev *audit.Entry
	var last audit.Entry
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&last.Seq, &last.Hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("%w: last entry: %w", audit.ErrUnwritten, err)
	default:
		prev = &last
	}
	insert := s.rebind(`INSERT INTO audit_log (seq, at, actor, action, object_type, object_id, source, detail, prev_hash, hash)
		VALUES (?,?,?,?,?,?,?,?,?,?)`)
	sealed := make([]audit.Entry, len(entries))
	for i, e := range entries {
		e = audit.Seal(e, prev)
		if _, err := tx.ExecContext(ctx, insert, e.Seq, e.At.UnixMicro(), e.Actor, e.Action, e.ObjectType, e.ObjectID, e.Source, e.Detail, e.PrevHash, e.Hash); err != nil {
			return nil, fmt.Errorf("%w: append: %w", audit.ErrUnwritten, err)
		}
		sealed[i] = e
		prev = &sealed[i]
	}
	return sealed, nil
}

// AuditEntries reads the trail in order.
func (s *Store) AuditEntries(ctx context.Context, fn func(audit.Entry) error) (err error) {
	defer s.Guard(&err)
	rows, err := s.read.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("audit: read: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return fmt.Errorf("audit: read: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// FindAudit reads entries for the viewer, newest first.
func (s *Store) FindAudit(ctx context.Context, f audit.Filter) (_ []audit.Entry, err error) {
	defer s.Guard(&err)
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
	q := `SELECT ` + auditColumns + ` FROM audit_log`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	args = append(args, f.Limit)
	rows, err := s.read.QueryContext(ctx, s.rebind(q+` ORDER BY seq DESC LIMIT ?`), args...)
	return collect(rows, err, "audit: find", scanEntry)
}
