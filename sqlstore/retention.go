package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// ExpiredReports implements retention.Store.
func (s *Store) ExpiredReports(ctx context.Context, category string, cutoff time.Time, limit int) (_ []string, err error) {
	defer s.Guard(&err)
	return s.ids(ctx, "expired reports", s.rebind(`SELECT r.id FROM reports r
		WHERE r.created_at < ? AND r.category = ? AND r.purged_at = 0
		AND (r.case_id = '' OR EXISTS (SELECT 1 FROM cases c WHERE c.id = r.case_id AND c.status = 'closed'))
		ORDER BY r.created_at LIMIT ?`), micros(cutoff), category, limit)
}

// PurgeReports implements retention.Store: in one transaction the
// reports lose their text, URLs, reporter and idempotency data, their
// identifiers (indicator counts go down; values left unused disappear),
// their search entry and their attachment records.
func (s *Store) PurgeReports(ctx context.Context, ids []string, at time.Time) (_ []string, err error) {
	defer s.Guard(&err)
	var orphans []string
	err = s.inTx(ctx, "purge", func(tx *sql.Tx) error {
		args := toAny(ids)
		in := Placeholders(len(ids))
		// Identifiers: lower the counts, then drop postings and unused values.
		rows, err := tx.QueryContext(ctx, s.rebind(`SELECT indicator_id, count(*) FROM report_indicators WHERE report_id IN (`+in+`) GROUP BY indicator_id`), args...)
		if err != nil {
			return err
		}
		counts := map[int64]int64{}
		for rows.Next() {
			var id, n int64
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return err
			}
			counts[id] = n
		}
		if err := endRows(rows); err != nil {
			return err
		}
		for id, n := range counts {
			if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE indicators SET report_count = report_count - ? WHERE id = ?`), n, id); err != nil {
				return err
			}
		}
		// Waves count the members still held.
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE waves SET size = size - (SELECT count(*) FROM reports r WHERE r.wave_id = waves.id AND r.id IN (`+in+`))
			WHERE id IN (SELECT wave_id FROM reports WHERE wave_id IS NOT NULL AND id IN (`+in+`))`), append(slices.Clone(args), args...)...); err != nil {
			return fmt.Errorf("wave sizes: %w", err)
		}
		for _, q := range []string{
			`DELETE FROM report_indicators WHERE report_id IN (` + in + `)`,
			`DELETE FROM link_queue WHERE report_id IN (` + in + `)`,
			`DELETE FROM match_queue WHERE report_id IN (` + in + `)`,
			`DELETE FROM report_hashes WHERE report_id IN (` + in + `)`,
			`DELETE FROM report_matches WHERE report_id IN (` + in + `)`,
			`DELETE FROM related_reports WHERE report_id IN (` + in + `)`,
			// Keys a purged report held go to the next report that has them.
			`DELETE FROM wave_queue WHERE report_id IN (` + in + `)`,
			`DELETE FROM wave_keys WHERE report_id IN (` + in + `)`,
			`DELETE FROM wave_signatures WHERE report_id IN (` + in + `)`,
		} {
			if _, err := tx.ExecContext(ctx, s.rebind(q), args...); err != nil {
				return err
			}
		}
		touched := make([]any, 0, len(counts))
		for id := range counts {
			touched = append(touched, id)
		}
		for lo := 0; lo < len(touched); lo += 500 {
			chunk := touched[lo:min(lo+500, len(touched))]
			if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM indicators WHERE report_count <= 0 AND id IN (`+Placeholders(len(chunk))+`)`), chunk...); err != nil {
				return err
			}
			// A report left alone with a value it shared only with purged
			// reports is related no more, unless another value still links it.
			if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM related_reports WHERE report_id IN (
				SELECT ri.report_id FROM report_indicators ri JOIN indicators i ON i.id = ri.indicator_id
				WHERE i.report_count = 1 AND i.id IN (`+Placeholders(len(chunk))+`))
				AND NOT EXISTS (SELECT 1 FROM report_indicators o JOIN indicators oi ON oi.id = o.indicator_id
				WHERE o.report_id = related_reports.report_id AND oi.report_count > 1 AND oi.flagged IS NULL)`), chunk...); err != nil {
				return err
			}
		}
		if err := s.engine.DeleteReportText(ctx, tx, args); err != nil {
			return fmt.Errorf("search entries: %w", err)
		}
		// Attachments: records go; contents go once no report names them.
		shas, err := tx.QueryContext(ctx, s.rebind(`SELECT DISTINCT sha256 FROM report_attachments WHERE report_id IN (`+in+`)`), args...)
		if err != nil {
			return err
		}
		var candidates []string
		for shas.Next() {
			var sha string
			if err := shas.Scan(&sha); err != nil {
				shas.Close()
				return err
			}
			candidates = append(candidates, sha)
		}
		if err := endRows(shas); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM report_attachments WHERE report_id IN (`+in+`)`), args...); err != nil {
			return err
		}
		for _, sha := range candidates {
			var n int
			if err := tx.QueryRowContext(ctx, s.rebind(`SELECT count(*) FROM report_attachments WHERE sha256 = ?`), sha).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				orphans = append(orphans, sha)
			}
		}
		if _, err = tx.ExecContext(ctx, s.rebind(`UPDATE reports SET description = '', urls = '[]', seen_on = '', reporter_name = '', reporter_email = '',
			reporter_phone = '', contact = NULL, anonymous = ?, loss_means = NULL, idempotency_key = NULL, request_hash = NULL, decision_reason = '', purged_at = ?
			WHERE id IN (`+in+`)`), append([]any{true, micros(at)}, args...)...); err != nil {
			return err
		}
		// News: the consent and what was queued go with the address.
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM news_outbox WHERE report_id IN (`+in+`)`), args...); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM news_subscriptions WHERE report_id IN (`+in+`)`), args...); err != nil {
			return err
		}
		// Crypto-shredding: the reports' data keys go, so that their
		// sealed contact in a backup, a WAL or a freed page stays sealed
		// for good. (Attachments' keys go with their content, DeleteBlob.)
		names := make([]any, len(ids))
		for i, id := range ids {
			names[i] = reportKey(id)
		}
		_, err = tx.ExecContext(ctx, s.rebind(`DELETE FROM data_keys WHERE name IN (`+in+`)`), names...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return orphans, nil
}

// ExpiredCases implements retention.Store: closed cases of category (""
// for cases closed before they were qualified) last changed before
// cutoff, and not purged yet.
func (s *Store) ExpiredCases(ctx context.Context, category string, cutoff time.Time, limit int) (_ []string, err error) {
	defer s.Guard(&err)
	return s.ids(ctx, "expired cases", s.rebind(`SELECT id FROM cases
		WHERE status = 'closed' AND category = ? AND updated_at < ? AND purged_at = 0
		ORDER BY updated_at LIMIT ?`), category, micros(cutoff), limit)
}

// PurgeCases implements retention.Store: in one transaction the cases
// lose their title, summary and the details of their history (notes,
// reasons), and leave the search index. Status, category, outcome, dates
// and referrals stay for the figures; hosting traces go.
func (s *Store) PurgeCases(ctx context.Context, ids []string, at time.Time) (err error) {
	defer s.Guard(&err)
	return s.inTx(ctx, "purge cases", func(tx *sql.Tx) error {
		args := toAny(ids)
		in := Placeholders(len(ids))
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE cases SET title = '', summary = '', purged_at = ? WHERE id IN (`+in+`)`), append([]any{micros(at)}, args...)...); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE case_events SET detail = '' WHERE case_id IN (`+in+`)`), args...); err != nil {
			return err
		}
		if err := s.engine.DeleteCaseText(ctx, tx, args); err != nil {
			return fmt.Errorf("search entries: %w", err)
		}
		// Hosting traces name the case's URLs and can be traced again.
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM host_traces WHERE case_id IN (`+in+`)`), args...); err != nil {
			return fmt.Errorf("host traces: %w", err)
		}
		return nil
	})
}
