package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/vigie-platform/vigie/audit"
)

// Text search: the shared SQL gathers the text and says when it changes;
// the engine indexes and queries it (see TextSearch).

// reindexCase rewrites a case's search entry: title, qualification and notes.
func (s *Store) reindexCase(ctx context.Context, tx *sql.Tx, id string) error {
	var title, category, legal, summary string
	if err := tx.QueryRowContext(ctx, s.rebind(`SELECT title, category, legal_refs, summary FROM cases WHERE id = ?`), id).Scan(&title, &category, &legal, &summary); err != nil {
		return err
	}
	body := []string{title, category, legal, summary}
	rows, err := tx.QueryContext(ctx, s.rebind(`SELECT detail FROM case_events WHERE case_id = ? AND kind = 'note' ORDER BY id`), id)
	if err != nil {
		return err
	}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			rows.Close()
			return err
		}
		body = append(body, d)
	}
	if err := endRows(rows); err != nil {
		return err
	}
	if err := s.engine.IndexCaseText(ctx, tx, id, strings.Join(body, "\n")); err != nil {
		return fmt.Errorf("index case text: %w", err)
	}
	return nil
}

// indexReportText hands linked reports to the text index, in the linker's
// transaction, 500 at a time.
func (s *Store) indexReportText(ctx context.Context, tx *sql.Tx, ids []any) error {
	for lo := 0; lo < len(ids); lo += 500 {
		if err := s.engine.IndexReportText(ctx, tx, ids[lo:min(lo+500, len(ids))]); err != nil {
			return fmt.Errorf("index text: %w", err)
		}
	}
	return nil
}

// IndexPendingText implements search.Indexer: it indexes up to limit
// reports that the linker queued, where the engine queues them.
func (s *Store) IndexPendingText(ctx context.Context, limit int) (n int, err error) {
	defer s.Guard(&err)
	n, err = s.engine.IndexPendingText(ctx, limit, func(index func(*sql.Tx) (int, error)) error {
		return s.derivedTx(ctx, s.write, "index text", func(tx *sql.Tx) (audit.Outcome, error) {
			n, err := index(tx)
			return audit.Outcome{Changed: n}, err
		})
	})
	if err != nil {
		return 0, err
	}
	// An engine with nothing queued opened no transaction: an audit entry
	// carried here is written all the same.
	if err := s.recordPending(ctx, "index text"); err != nil {
		return 0, err
	}
	return n, nil
}

func (s *Store) ids(ctx context.Context, what, query string, args ...any) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// SearchReports finds reports holding every term, newest first.
func (s *Store) SearchReports(ctx context.Context, terms []string, limit int) (_ []string, err error) {
	defer s.Guard(&err)
	return s.search(ctx, "search reports", s.engine.ReportQuery, terms, limit)
}

// SearchCases finds cases holding every term, last changed first.
func (s *Store) SearchCases(ctx context.Context, terms []string, limit int) (_ []string, err error) {
	defer s.Guard(&err)
	return s.search(ctx, "search cases", s.engine.CaseQuery, terms, limit)
}

// search runs the engine's query for terms; no term finds nothing.
func (s *Store) search(ctx context.Context, what string, query func(terms []string, limit int) (string, []any), terms []string, limit int) ([]string, error) {
	if len(terms) == 0 {
		return nil, nil
	}
	q, args := query(terms, limit)
	return s.ids(ctx, what, q, args...)
}
