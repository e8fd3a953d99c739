package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/vigie-platform/vigie/audit"
	"golang.org/x/mod/sumdb/tlog"
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

// auditLock keys the serial lock of appends to the audit chain and tree, which
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

// appendAudit chains entries to the trail inside tx and adds them to its
// Merkle tree: the stored hashes each entry adds (audit/tree.go) are
// written with it. The serial lock is taken here, at the end of the
// change's transaction, so that appenders wait for one another only over
// the inserts and the commit.
func (s *Store) appendAudit(ctx context.Context, tx *sql.Tx, entries []audit.Entry) ([]audit.Entry, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	if err := s.engine.SerialLock(ctx, tx, auditLock); err != nil {
		return nil, fmt.Errorf("%w: lock: %w", audit.ErrUnwritten, err)
	}
	last, stored, err := s.auditEnd(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", audit.ErrUnwritten, err)
	}
	var prev *audit.Entry
	if last.Seq > 0 {
		prev = &last
	}
	// A trail written before the tree, or by an instance that predates
	// it, is brought into the tree first.
	if stored != tlog.StoredHashCount(last.Seq) {
		if err := s.growAuditTree(ctx, tx, stored, last.Seq); err != nil {
			return nil, fmt.Errorf("%w: %w", audit.ErrUnwritten, err)
		}
	}
	insert := s.rebind(`INSERT INTO audit_log (seq, at, actor, action, object_type, object_id, source, detail, prev_hash, hash)
		VALUES (?,?,?,?,?,?,?,?,?,?)`)
	sealed := make([]audit.Entry, len(entries))
	tree := &treeWriter{s: s, tx: tx}
	for i, e := range entries {
		e = audit.Seal(e, prev)
		if _, err := tx.ExecContext(ctx, insert, e.Seq, e.At.UnixMicro(), e.Actor, e.Action, e.ObjectType, e.ObjectID, e.Source, e.Detail, e.PrevHash, e.Hash); err != nil {
			return nil, fmt.Errorf("%w: append: %w", audit.ErrUnwritten, err)
		}
		if err := tree.add(ctx, e); err != nil {
			return nil, fmt.Errorf("%w: %w", audit.ErrUnwritten, err)
		}
		sealed[i] = e
		prev = &sealed[i]
	}
	if err := tree.flush(ctx); err != nil {
		return nil, fmt.Errorf("%w: %w", audit.ErrUnwritten, err)
	}
	return sealed, nil
}

// auditEnd reads, in tx, the last entry's number and hash (zero for an
// empty trail) and how many stored hashes the tree holds.
func (s *Store) auditEnd(ctx context.Context, tx *sql.Tx) (last audit.Entry, stored int64, err error) {
	err = tx.QueryRowContext(ctx, `SELECT seq, hash, (SELECT COALESCE(MAX(idx)+1, 0) FROM audit_tree) FROM audit_log ORDER BY seq DESC LIMIT 1`).
		Scan(&last.Seq, &last.Hash, &stored)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(idx)+1, 0) FROM audit_tree`).Scan(&stored)
	}
	if err != nil {
		return audit.Entry{}, 0, fmt.Errorf("last entry: %w", err)
	}
	return last, stored, nil
}

// BuildAuditTree brings the entries written before the tree existed
// (migration 0015) into it; with nothing to add, it reads two values.
// The adapters call it when they open, so that a trail from an earlier
// version verifies and gets checkpoints at once.
func (s *Store) BuildAuditTree(ctx context.Context) (err error) {
	defer s.Guard(&err)
	return s.transact(ctx, s.write, "build audit tree", func(tx *sql.Tx) error {
		if err := s.engine.SerialLock(ctx, tx, auditLock); err != nil {
			return err
		}
		last, stored, err := s.auditEnd(ctx, tx)
		if err != nil || stored == tlog.StoredHashCount(last.Seq) {
			return err
		}
		return s.growAuditTree(ctx, tx, stored, last.Seq)
	})
}

// growBatch is how many entries growAuditTree reads at a time.
const growBatch = 4096

// growAuditTree adds entries to the tree, in tx, from the first one it
// lacks up to entry last; stored is how many hashes it holds.
func (s *Store) growAuditTree(ctx context.Context, tx *sql.Tx, stored, last int64) error {
	// The tree holds whole entries (each one's hashes went in with it):
	// find how many.
	have := sort.Search(int(last)+1, func(n int) bool { return tlog.StoredHashCount(int64(n)) >= stored })
	switch {
	case stored > tlog.StoredHashCount(last):
		return fmt.Errorf("the audit tree holds %d hashes, more than %d entries make (%d): entries were removed from the end of the trail (run vigie audit verify)",
			stored, last, tlog.StoredHashCount(last))
	case tlog.StoredHashCount(int64(have)) != stored:
		return fmt.Errorf("the audit tree holds %d hashes, which no number of entries makes: it was altered (run vigie audit verify)", stored)
	}
	tree := &treeWriter{s: s, tx: tx}
	query := s.rebind(`SELECT ` + auditColumns + ` FROM audit_log WHERE seq > ? AND seq <= ? ORDER BY seq`)
	for from := int64(have); from < last; from += growBatch {
		rows, err := tx.QueryContext(ctx, query, from, min(from+growBatch, last))
		entries, err := collect(rows, err, "audit tree: read entries", scanEntry)
		if err != nil {
			return err
		}
		for i, e := range entries {
			if e.Seq != from+int64(i)+1 {
				return fmt.Errorf("audit tree: entry %d is missing (run vigie audit verify)", from+int64(i)+1)
			}
			if err := tree.add(ctx, e); err != nil {
				return err
			}
		}
		if err := tree.flush(ctx); err != nil {
			return err
		}
	}
	return nil
}

// treeWriter computes the stored hashes of entries appended in tx and
// writes them: the older hashes it needs come from the table, or from
// those it computed and has not written yet.
type treeWriter struct {
	s       *Store
	tx      *sql.Tx
	pending []audit.StoredHash
	at      map[int64]tlog.Hash
}

func (w *treeWriter) add(ctx context.Context, e audit.Entry) error {
	n := e.Seq - 1
	hashes, err := tlog.StoredHashesForRecordHash(n, audit.RecordHash(e), tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		return w.read(ctx, indexes)
	}))
	if err != nil {
		return fmt.Errorf("audit tree: entry %d: %w", e.Seq, err)
	}
	if w.at == nil {
		w.at = map[int64]tlog.Hash{}
	}
	first := tlog.StoredHashIndex(0, n)
	for i, h := range hashes {
		w.pending = append(w.pending, audit.StoredHash{Index: first + int64(i), Hash: h})
		w.at[first+int64(i)] = h
	}
	return nil
}

func (w *treeWriter) read(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	var ask []any
	for _, idx := range indexes {
		if _, ok := w.at[idx]; !ok {
			ask = append(ask, idx)
		}
	}
	found := map[int64]tlog.Hash{}
	if len(ask) > 0 {
		rows, err := w.tx.QueryContext(ctx, w.s.rebind(`SELECT idx, hash FROM audit_tree WHERE idx IN (`+Placeholders(len(ask))+`)`), ask...)
		if err := scanTree(rows, err, func(idx int64, h tlog.Hash) error { found[idx] = h; return nil }); err != nil {
			return nil, err
		}
	}
	for i, idx := range indexes {
		h, ok := w.at[idx]
		if !ok {
			h, ok = found[idx]
		}
		if !ok {
			return nil, fmt.Errorf("audit tree: hash %d is missing", idx)
		}
		out[i] = h
	}
	return out, nil
}

// flush writes the pending hashes.
func (w *treeWriter) flush(ctx context.Context) error {
	for chunk := range slices.Chunk(w.pending, insertChunk) {
		args := make([]any, 0, 2*len(chunk))
		for _, h := range chunk {
			args = append(args, h.Index, h.Hash[:])
		}
		q := `INSERT INTO audit_tree (idx, hash) VALUES ` + strings.TrimSuffix(strings.Repeat("(?,?),", len(chunk)), ",")
		if _, err := w.tx.ExecContext(ctx, w.s.rebind(q), args...); err != nil {
			return fmt.Errorf("audit tree: insert: %w", err)
		}
	}
	w.pending, w.at = w.pending[:0], nil
	return nil
}

// scanTree calls fn for each (idx, hash) row and closes rows.
func scanTree(rows *sql.Rows, err error, fn func(int64, tlog.Hash) error) error {
	if err != nil {
		return fmt.Errorf("audit tree: read: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var idx int64
		var b []byte
		if err := rows.Scan(&idx, &b); err != nil {
			return fmt.Errorf("audit tree: read: %w", err)
		}
		if len(b) != tlog.HashSize {
			return fmt.Errorf("audit tree: hash %d is %d bytes long", idx, len(b))
		}
		if err := fn(idx, tlog.Hash(b)); err != nil {
			return err
		}
	}
	return endRows(rows)
}

// AuditTreeSize reads the number of entries and of stored tree hashes in
// one statement, so from one state of the trail.
func (s *Store) AuditTreeSize(ctx context.Context) (entries, hashes int64, err error) {
	defer s.Guard(&err)
	err = s.read.QueryRowContext(ctx, `SELECT COALESCE((SELECT MAX(seq) FROM audit_log), 0), COALESCE((SELECT MAX(idx)+1 FROM audit_tree), 0)`).Scan(&entries, &hashes)
	if err != nil {
		return 0, 0, fmt.Errorf("audit: tree size: %w", err)
	}
	return entries, hashes, nil
}

// AuditTreeHashes reads stored hashes by index, in the order asked.
func (s *Store) AuditTreeHashes(ctx context.Context, indexes []int64) (_ []tlog.Hash, err error) {
	defer s.Guard(&err)
	found := make(map[int64]tlog.Hash, len(indexes))
	for chunk := range slices.Chunk(indexes, 500) {
		args := make([]any, len(chunk))
		for i, idx := range chunk {
			args[i] = idx
		}
		rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT idx, hash FROM audit_tree WHERE idx IN (`+Placeholders(len(chunk))+`)`), args...)
		if err := scanTree(rows, err, func(idx int64, h tlog.Hash) error { found[idx] = h; return nil }); err != nil {
			return nil, err
		}
	}
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		h, ok := found[idx]
		if !ok {
			return nil, fmt.Errorf("audit tree: hash %d is missing", idx)
		}
		out[i] = h
	}
	return out, nil
}

// AuditTreeRange calls fn for the stored hashes of index from to to
// (excluded), in order.
func (s *Store) AuditTreeRange(ctx context.Context, from, to int64, fn func(int64, tlog.Hash) error) (err error) {
	defer s.Guard(&err)
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT idx, hash FROM audit_tree WHERE idx >= ? AND idx < ? ORDER BY idx`), from, to)
	return scanTree(rows, err, fn)
}

// AuditEntry reads one entry.
func (s *Store) AuditEntry(ctx context.Context, seq int64) (_ audit.Entry, err error) {
	defer s.Guard(&err)
	e, err := scanEntry(s.read.QueryRowContext(ctx, s.rebind(`SELECT `+auditColumns+` FROM audit_log WHERE seq = ?`), seq))
	if errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("%w: %d", audit.ErrNoEntry, seq)
	}
	if err != nil {
		return e, fmt.Errorf("audit: entry %d: %w", seq, err)
	}
	return e, nil
}

// AppendAuditBatch appends entries in one transaction. It is for filling
// a scratch store (`vigie bench audit`): the platform appends an entry
// per act, in the act's own transaction.
func (s *Store) AppendAuditBatch(ctx context.Context, entries []audit.Entry) (err error) {
	defer s.Guard(&err)
	return s.transact(ctx, s.write, "append audit entries", func(tx *sql.Tx) error {
		_, err := s.appendAudit(ctx, tx, entries)
		return err
	})
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
