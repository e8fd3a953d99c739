package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/bank"
	"github.com/vigie-platform/vigie/contenthash"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/report"
)

// The banks of known content (bank.Store). Every change takes the next
// value of bank_seq, whose one row serialises the changes of every
// instance: a matcher that reads the sequence S and then the rows stamped
// up to S sees every change up to S, committed before S could be read.

// nextBankSeq takes the next change sequence in tx.
func (s *Store) nextBankSeq(ctx context.Context, tx *sql.Tx) (int64, error) {
	var seq int64
	err := tx.QueryRowContext(ctx, `UPDATE bank_seq SET seq = seq + 1 WHERE id = 1 RETURNING seq`).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("bank sequence: %w", err)
	}
	return seq, nil
}

const bankColumns = `id, name, source, negative, enabled, created_at`

func scanBank(sc scanner, extra ...any) (bank.Bank, error) {
	var b bank.Bank
	var created int64
	err := sc.Scan(append([]any{&b.ID, &b.Name, &b.Source, &b.Negative, &b.Enabled, &created}, extra...)...)
	b.CreatedAt = fromMicros(created)
	return b, err
}

const entryColumns = `id, bank_id, kind, value, label, category, added_at, withdrawn_at`

func scanBankEntry(sc scanner) (bank.Entry, error) {
	var e bank.Entry
	var kind string
	var added int64
	var withdrawn sql.NullInt64
	err := sc.Scan(&e.ID, &e.BankID, &kind, &e.Hash.Value, &e.Label, &e.Category, &added, &withdrawn)
	e.Hash.Kind, e.AddedAt = contenthash.Kind(kind), fromMicros(added)
	if withdrawn.Valid {
		e.WithdrawnAt = fromMicros(withdrawn.Int64)
	}
	return e, err
}

func nullMicros(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: micros(t), Valid: true}
}

// ImportBank implements bank.Store.
func (s *Store) ImportBank(ctx context.Context, imp bank.Import, at time.Time) (_ bank.Bank, n int, err error) {
	defer s.Guard(&err)
	var b bank.Bank
	err = s.inTxOutcome(ctx, "import bank", func(tx *sql.Tx) (audit.Outcome, error) {
		seq, err := s.nextBankSeq(ctx, tx)
		if err != nil {
			return audit.Outcome{}, err
		}
		b, err = scanBank(tx.QueryRowContext(ctx, s.rebind(`SELECT `+bankColumns+` FROM banks WHERE name = ?`), imp.Name))
		if errors.Is(err, sql.ErrNoRows) {
			b, err = scanBank(tx.QueryRowContext(ctx, s.rebind(`INSERT INTO banks (name, source, negative, enabled, created_at, changed_seq)
				VALUES (?, ?, ?, ?, ?, ?) RETURNING `+bankColumns), imp.Name, imp.Source, imp.Negative, true, micros(at), seq))
		}
		if err != nil {
			return audit.Outcome{}, fmt.Errorf("bank %s: %w", imp.Name, err)
		}
		const perInsert = 200
		for lo := 0; lo < len(imp.Entries); lo += perInsert {
			chunk := imp.Entries[lo:min(lo+perInsert, len(imp.Entries))]
			args := make([]any, 0, 8*len(chunk))
			for _, e := range chunk {
				args = append(args, b.ID, string(e.Hash.Kind), e.Hash.Value, e.Label, e.Category, micros(e.AddedAt), nullMicros(e.WithdrawnAt), seq)
			}
			values := strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?,?),", len(chunk)), ",")
			if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO bank_entries (bank_id, kind, value, label, category, added_at, withdrawn_at, changed_seq)
				VALUES `+values+` ON CONFLICT (bank_id, kind, value) DO UPDATE SET label = excluded.label, category = excluded.category,
				withdrawn_at = excluded.withdrawn_at, changed_seq = excluded.changed_seq`), args...); err != nil {
				return audit.Outcome{}, fmt.Errorf("bank entries: %w", err)
			}
		}
		n = len(imp.Entries)
		if imp.LinkReport != "" {
			values := make([]string, len(imp.Entries))
			for i, e := range imp.Entries {
				values[i] = e.Hash.String()
			}
			if err := s.linkMedia(ctx, tx, imp.LinkReport, imp.LinkReportAt, values, imp.LinkCap); err != nil {
				return audit.Outcome{}, err
			}
		}
		return audit.Outcome{ObjectID: b.Name, Changed: n}, nil
	})
	return b, n, err
}

// linkMedia indexes a report under image values, as the linker indexes
// identifiers: the reports sharing one are related.
func (s *Store) linkMedia(ctx context.Context, tx *sql.Tx, reportID string, at time.Time, values []string, linkCap int) error {
	if len(values) == 0 {
		return nil
	}
	slices.Sort(values)
	values = slices.Compact(values)
	postings := make([]correlate.Posting, len(values))
	for i, v := range values {
		postings[i] = correlate.Posting{Type: indicator.Image, Value: v, Raw: v}
	}
	stmts := newChunkStmts(tx)
	defer stmts.close()
	return s.index(ctx, tx, stmts, []correlate.PendingReport{{ID: reportID, CreatedAt: at}}, [][]correlate.Posting{postings}, linkCap)
}

// Banks implements bank.Store.
func (s *Store) Banks(ctx context.Context) (_ []bank.Bank, err error) {
	defer s.Guard(&err)
	rows, err := s.read.QueryContext(ctx, `SELECT `+bankColumns+`, (SELECT count(*) FROM bank_entries e WHERE e.bank_id = banks.id AND e.withdrawn_at IS NULL)
		FROM banks ORDER BY name`)
	return collect(rows, err, "banks", func(sc scanner) (bank.Bank, error) {
		var n int64
		b, err := scanBank(sc, &n)
		b.Entries = n
		return b, err
	})
}

// BankByName implements bank.Store.
func (s *Store) BankByName(ctx context.Context, name string) (_ bank.Bank, err error) {
	defer s.Guard(&err)
	var n int64
	b, err := scanBank(s.read.QueryRowContext(ctx, s.rebind(`SELECT `+bankColumns+`, (SELECT count(*) FROM bank_entries e WHERE e.bank_id = banks.id AND e.withdrawn_at IS NULL)
		FROM banks WHERE name = ?`), name), &n)
	b.Entries = n
	if errors.Is(err, sql.ErrNoRows) {
		return b, bank.ErrNotFound
	}
	if err != nil {
		return b, fmt.Errorf("bank: %w", err)
	}
	return b, nil
}

// SetBankEnabled implements bank.Store.
func (s *Store) SetBankEnabled(ctx context.Context, name string, enabled bool) (err error) {
	defer s.Guard(&err)
	return s.inTxOutcome(ctx, "enable bank", func(tx *sql.Tx) (audit.Outcome, error) {
		seq, err := s.nextBankSeq(ctx, tx)
		if err != nil {
			return audit.Outcome{}, err
		}
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE banks SET enabled = ?, changed_seq = ? WHERE name = ?`), enabled, seq, name)
		if err != nil {
			return audit.Outcome{}, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return audit.Outcome{}, bank.ErrNotFound
		}
		return audit.Outcome{Changed: 1}, nil
	})
}

// WithdrawEntries implements bank.Store.
func (s *Store) WithdrawEntries(ctx context.Context, name string, hashes []contenthash.Hash, at time.Time) (n int, err error) {
	defer s.Guard(&err)
	err = s.inTxOutcome(ctx, "withdraw entries", func(tx *sql.Tx) (audit.Outcome, error) {
		seq, err := s.nextBankSeq(ctx, tx)
		if err != nil {
			return audit.Outcome{}, err
		}
		var id int64
		if err := tx.QueryRowContext(ctx, s.rebind(`SELECT id FROM banks WHERE name = ?`), name).Scan(&id); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return audit.Outcome{}, bank.ErrNotFound
			}
			return audit.Outcome{}, err
		}
		update := s.rebind(`UPDATE bank_entries SET withdrawn_at = ?, changed_seq = ? WHERE bank_id = ? AND kind = ? AND value = ? AND withdrawn_at IS NULL`)
		for _, h := range hashes {
			res, err := tx.ExecContext(ctx, update, micros(at), seq, id, string(h.Kind), h.Value)
			if err != nil {
				return audit.Outcome{}, fmt.Errorf("withdraw: %w", err)
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
		return audit.Outcome{Changed: n}, nil
	})
	return n, err
}

// BankEntries implements bank.Store.
func (s *Store) BankEntries(ctx context.Context, name string) (_ []bank.Entry, err error) {
	defer s.Guard(&err)
	b, err := s.BankByName(ctx, name)
	if err != nil {
		return nil, err
	}
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT `+entryColumns+` FROM bank_entries WHERE bank_id = ? ORDER BY id`), b.ID)
	return collect(rows, err, "bank entries", scanBankEntry)
}

// BankSeq implements bank.Store.
func (s *Store) BankSeq(ctx context.Context) (seq int64, err error) {
	defer s.Guard(&err)
	if err := s.read.QueryRowContext(ctx, `SELECT seq FROM bank_seq WHERE id = 1`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("bank sequence: %w", err)
	}
	return seq, nil
}

// BankChanges implements bank.Store: the sequence first, then the rows
// stamped up to it (see the top of this file).
func (s *Store) BankChanges(ctx context.Context, since int64) (_ []bank.Bank, _ []bank.Entry, seq int64, err error) {
	defer s.Guard(&err)
	if seq, err = s.BankSeq(ctx); err != nil {
		return nil, nil, 0, err
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+bankColumns+` FROM banks ORDER BY id`)
	banks, err := collect(rows, err, "banks", func(sc scanner) (bank.Bank, error) { return scanBank(sc) })
	if err != nil {
		return nil, nil, 0, err
	}
	rows, err = s.read.QueryContext(ctx, s.rebind(`SELECT `+entryColumns+` FROM bank_entries WHERE changed_seq > ? AND changed_seq <= ? ORDER BY changed_seq, id`), since, seq)
	entries, err := collect(rows, err, "bank changes", scanBankEntry)
	if err != nil {
		return nil, nil, 0, err
	}
	return banks, entries, seq, nil
}

// enqueueMatches queues the inserted reports that have media to match
// (image attachments, hashes sent without files) and stores the hashes
// sent, in the report's transaction.
func (s *Store) enqueueMatches(ctx context.Context, tx Execer, r *report.Report) error {
	if len(r.Hashes) == 0 && !slices.ContainsFunc(r.Attachments, bank.IsImage) {
		return nil
	}
	for _, h := range r.Hashes {
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO report_hashes (report_id, attachment, kind, value) VALUES (?, '', ?, ?) ON CONFLICT DO NOTHING`),
			r.ID, string(h.Kind), h.Value); err != nil {
			return fmt.Errorf("report hashes: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO match_queue (report_id) VALUES (?) ON CONFLICT DO NOTHING`), r.ID); err != nil {
		return fmt.Errorf("queue for matching: %w", err)
	}
	return nil
}

// ClaimMatchWork implements bank.Store: a short transaction leases the
// rows, so that the hashing runs outside any transaction.
func (s *Store) ClaimMatchWork(ctx context.Context, limit int, at time.Time, lease time.Duration) (_ []bank.Work, err error) {
	defer s.Guard(&err)
	var ids []string
	err = s.derivedTx(ctx, s.write, "claim match work", func(tx *sql.Tx) (audit.Outcome, error) {
		rows, err := tx.QueryContext(ctx, s.rebind(`SELECT report_id FROM match_queue WHERE lease_until < ? ORDER BY report_id LIMIT ?`+s.engine.ClaimSuffix("")), micros(at), limit)
		ids, err = collect(rows, err, "match queue", func(sc scanner) (string, error) {
			var id string
			return id, sc.Scan(&id)
		})
		if err != nil || len(ids) == 0 {
			return audit.Outcome{}, err
		}
		args := append([]any{micros(at.Add(lease))}, toAny(ids)...)
		_, err = tx.ExecContext(ctx, s.rebind(`UPDATE match_queue SET lease_until = ? WHERE report_id IN (`+Placeholders(len(ids))+`)`), args...)
		return audit.Outcome{}, err
	})
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	out := make([]bank.Work, 0, len(ids))
	for _, id := range ids {
		r, err := s.ReportByID(ctx, id)
		if errors.Is(err, report.ErrNotFound) {
			continue // purged meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, bank.Work{ReportID: r.ID, CreatedAt: r.CreatedAt, Category: r.Category, Attachments: r.Attachments, Sent: r.Hashes})
	}
	return out, nil
}

// RecordMatches implements bank.Store.
func (s *Store) RecordMatches(ctx context.Context, o bank.Outcome) (done bool, err error) {
	defer s.Guard(&err)
	err = s.derivedTx(ctx, s.write, "record matches", func(tx *sql.Tx) (audit.Outcome, error) {
		res, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM match_queue WHERE report_id = ?`), o.ReportID)
		if err != nil {
			return audit.Outcome{}, fmt.Errorf("match queue: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return audit.Outcome{}, nil // another matcher recorded it
		}
		done = true
		for _, h := range o.Hashes {
			if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO report_hashes (report_id, attachment, kind, value) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`),
				o.ReportID, h.Attachment, string(h.Hash.Kind), h.Hash.Value); err != nil {
				return audit.Outcome{}, fmt.Errorf("report hashes: %w", err)
			}
		}
		if len(o.Matches) == 0 {
			return audit.Outcome{}, nil
		}
		at := micros(o.At)
		for _, m := range o.Matches {
			if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO report_matches (report_id, attachment, entry_id, bank_id, bank_name, kind, value, label, category, distance, created_at)
				VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`), o.ReportID, m.Attachment, m.EntryID, m.BankID, m.BankName,
				string(m.Hash.Kind), m.Hash.Value, m.Label, m.Category, m.Distance, at); err != nil {
				return audit.Outcome{}, fmt.Errorf("report matches: %w", err)
			}
		}
		head, entry, err := s.floodHead(ctx, tx, o)
		if err != nil {
			return audit.Outcome{}, err
		}
		first := o.Matches[0]
		if head != "" {
			// The flood guard: one queue item for the whole wave.
			detail := fmt.Sprintf("%s: %s %s", head, entry.BankName, entry.Label)
			res, err := tx.ExecContext(ctx, s.rebind(`UPDATE reports SET triage = 'duplicate', duplicate_of = ?, decision_reason = ? WHERE id = ? AND triage = 'new'`),
				head, "flood guard: "+entry.BankName+" "+entry.Label, o.ReportID)
			if err != nil {
				return audit.Outcome{}, fmt.Errorf("gather: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE report_matches SET gathered_into = ? WHERE report_id = ?`), head, o.ReportID); err != nil {
					return audit.Outcome{}, fmt.Errorf("gather: %w", err)
				}
				if err := s.reportEvent(ctx, tx, o.ReportID, o.At, "system", "gathered", detail); err != nil {
					return audit.Outcome{}, err
				}
			}
		} else {
			if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE reports SET urgent = ? WHERE id = ?`), true, o.ReportID); err != nil {
				return audit.Outcome{}, fmt.Errorf("raise priority: %w", err)
			}
			detail := fmt.Sprintf("%s: %s (%s, distance %d)", first.BankName, cmpOr(first.Label, first.Category), first.Hash.Kind, first.Distance)
			if err := s.reportEvent(ctx, tx, o.ReportID, o.At, "system", "matched", detail); err != nil {
				return audit.Outcome{}, err
			}
		}
		values := make([]string, len(o.Matches))
		for i, m := range o.Matches {
			values[i] = m.Hash.String()
		}
		return audit.Outcome{}, s.linkMedia(ctx, tx, o.ReportID, o.CreatedAt, values, o.LinkCap)
	})
	return done, err
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// floodHead finds, for the first entry that matched more than the flood
// limit of reports in the last hour, the report the others gather into:
// the first of that hour not itself gathered.
func (s *Store) floodHead(ctx context.Context, tx *sql.Tx, o bank.Outcome) (string, bank.Match, error) {
	if o.FloodLimit <= 0 {
		return "", bank.Match{}, nil
	}
	since := micros(o.At.Add(-time.Hour))
	seen := map[int64]bool{}
	for _, m := range o.Matches {
		if seen[m.EntryID] {
			continue
		}
		seen[m.EntryID] = true
		var n int
		if err := tx.QueryRowContext(ctx, s.rebind(`SELECT count(DISTINCT report_id) FROM report_matches WHERE entry_id = ? AND created_at >= ?`), m.EntryID, since).Scan(&n); err != nil {
			return "", m, fmt.Errorf("flood guard: %w", err)
		}
		if n <= o.FloodLimit {
			continue
		}
		var head string
		err := tx.QueryRowContext(ctx, s.rebind(`SELECT report_id FROM report_matches WHERE entry_id = ? AND created_at >= ? AND gathered_into = '' AND report_id <> ?
			ORDER BY created_at, report_id LIMIT 1`), m.EntryID, since, o.ReportID).Scan(&head)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return "", m, fmt.Errorf("flood guard: %w", err)
		}
		return head, m, nil
	}
	return "", bank.Match{}, nil
}

// MatchQueueLen implements bank.Store.
func (s *Store) MatchQueueLen(ctx context.Context) (n int64, err error) {
	defer s.Guard(&err)
	err = s.read.QueryRowContext(ctx, `SELECT count(*) FROM match_queue`).Scan(&n)
	return n, err
}

// ReportMatches implements bank.Store.
func (s *Store) ReportMatches(ctx context.Context, reportID string) (_ []bank.Match, err error) {
	defer s.Guard(&err)
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT report_id, attachment, entry_id, bank_id, bank_name, kind, value, label, category, distance, created_at, gathered_into
		FROM report_matches WHERE report_id = ? ORDER BY attachment, distance, entry_id`), reportID)
	return collect(rows, err, "report matches", func(sc scanner) (bank.Match, error) {
		var m bank.Match
		var kind string
		var at int64
		err := sc.Scan(&m.ReportID, &m.Attachment, &m.EntryID, &m.BankID, &m.BankName, &kind, &m.Hash.Value, &m.Label, &m.Category, &m.Distance, &at, &m.GatheredInto)
		m.Hash.Kind, m.At = contenthash.Kind(kind), fromMicros(at)
		return m, err
	})
}

// ReportHashes implements bank.Store.
func (s *Store) ReportHashes(ctx context.Context, reportID string) (_ []bank.MediaHash, err error) {
	defer s.Guard(&err)
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT attachment, kind, value FROM report_hashes WHERE report_id = ? ORDER BY attachment, kind`), reportID)
	return collect(rows, err, "report hashes", func(sc scanner) (bank.MediaHash, error) {
		var h bank.MediaHash
		var kind string
		err := sc.Scan(&h.Attachment, &kind, &h.Hash.Value)
		h.Hash.Kind = contenthash.Kind(kind)
		return h, err
	})
}

// GatheredReports implements bank.Store.
func (s *Store) GatheredReports(ctx context.Context, head string) (_ []string, err error) {
	defer s.Guard(&err)
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT DISTINCT report_id FROM report_matches WHERE gathered_into = ? ORDER BY report_id LIMIT 500`), head)
	return collect(rows, err, "gathered reports", func(sc scanner) (string, error) {
		var id string
		return id, sc.Scan(&id)
	})
}
