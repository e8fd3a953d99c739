package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/triage"
)

const caseColumns = `id, title, status, category, legal_refs, summary, priority, outcome, merged_into, created_by, created_at, updated_at, victim_departement, reporter_country`

func scanCase(sc interface{ Scan(...any) error }) (casefile.Case, error) {
	var c casefile.Case
	var status, legal string
	var created, updated int64
	err := sc.Scan(&c.ID, &c.Title, &status, &c.Category, &legal, &c.Summary, &c.Priority, &c.Outcome, &c.MergedInto, &c.CreatedBy, &created, &updated, &c.VictimDepartement, &c.ReporterCountry)
	if errors.Is(err, sql.ErrNoRows) {
		return c, casefile.ErrNotFound
	}
	if err != nil {
		return c, err
	}
	c.Status, c.CreatedAt, c.UpdatedAt = casefile.Status(status), fromMicros(created), fromMicros(updated)
	if err := json.Unmarshal([]byte(legal), &c.LegalRefs); err != nil {
		return c, fmt.Errorf("case %s legal refs: %w", c.ID, err)
	}
	return c, nil
}

func (w *Workspace) caseEvent(ctx context.Context, tx *sql.Tx, id string, ev casefile.Event) error {
	_, err := tx.ExecContext(ctx, w.q.Q(`INSERT INTO case_events (case_id, at, actor, kind, detail) VALUES (?,?,?,?,?)`), id, micros(ev.At), ev.Actor, ev.Kind, ev.Detail)
	return err
}

// attach puts reports into a case, all or none: a report that does not
// exist or is in another case fails the whole change.
func (w *Workspace) attach(ctx context.Context, tx *sql.Tx, caseID string, status casefile.Status, ids []string, actor string, at time.Time) error {
	changed, err := w.updateReports(ctx, tx, `case_id = ?, triage = ?, status = ?`,
		[]any{caseID, string(triage.StateInCase), string(casefile.ReporterStatus(status))}, `case_id = ''`, ids)
	if err != nil {
		return err
	}
	if len(changed) != len(ids) {
		return casefile.ErrReportInCase
	}
	return w.reportEvents(ctx, tx, changed, at, actor, "case", caseID)
}

// CreateCase stores a new case with its reports.
func (w *Workspace) CreateCase(ctx context.Context, c casefile.Case) error {
	return w.inTx(ctx, "create case", func(tx *sql.Tx) error {
		if err := w.insertCase(ctx, tx, c); err != nil {
			return err
		}
		if err := w.attach(ctx, tx, c.ID, c.Status, c.ReportIDs, c.CreatedBy, c.CreatedAt); err != nil {
			return err
		}
		if err := w.caseEvent(ctx, tx, c.ID, casefile.Event{At: c.CreatedAt, Actor: c.CreatedBy, Kind: "created", Detail: strings.Join(c.ReportIDs, " ")}); err != nil {
			return err
		}
		return w.reindexCase(ctx, tx, c.ID)
	})
}

func (w *Workspace) insertCase(ctx context.Context, tx *sql.Tx, c casefile.Case) error {
	legal, _ := json.Marshal(c.LegalRefs)
	_, err := tx.ExecContext(ctx, w.q.Q(`INSERT INTO cases (`+caseColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`),
		c.ID, c.Title, string(c.Status), c.Category, string(legal), c.Summary, c.Priority, c.Outcome, c.MergedInto, c.CreatedBy, micros(c.CreatedAt), micros(c.UpdatedAt), c.VictimDepartement, c.ReporterCountry)
	return err
}

// SplitCase creates nc with some of from's reports, moved in the same
// transaction: if any of them has left from meanwhile, nothing changes.
func (w *Workspace) SplitCase(ctx context.Context, from string, nc casefile.Case) error {
	return w.inTx(ctx, "split case", func(tx *sql.Tx) error {
		if err := w.insertCase(ctx, tx, nc); err != nil {
			return err
		}
		moved := 0
		for lo := 0; lo < len(nc.ReportIDs); lo += 500 {
			chunk := nc.ReportIDs[lo:min(lo+500, len(nc.ReportIDs))]
			args := append([]any{nc.ID, string(casefile.ReporterStatus(nc.Status)), from}, toAny(chunk)...)
			res, err := tx.ExecContext(ctx, w.q.Q(`UPDATE reports SET case_id = ?, status = ?
				WHERE case_id = ? AND id IN (`+placeholders(len(chunk))+`)`), args...)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			moved += int(n)
		}
		if moved != len(nc.ReportIDs) {
			return casefile.ErrNotFound
		}
		if err := w.reportEvents(ctx, tx, nc.ReportIDs, nc.CreatedAt, nc.CreatedBy, "case", nc.ID); err != nil {
			return err
		}
		if err := w.touchCase(ctx, tx, from, nc.CreatedAt); err != nil {
			return err
		}
		for _, ev := range []struct {
			caseID string
			ev     casefile.Event
		}{
			{nc.ID, casefile.Event{At: nc.CreatedAt, Actor: nc.CreatedBy, Kind: "created", Detail: strings.Join(nc.ReportIDs, " ")}},
			{nc.ID, casefile.Event{At: nc.CreatedAt, Actor: nc.CreatedBy, Kind: "split-from", Detail: from}},
			{from, casefile.Event{At: nc.CreatedAt, Actor: nc.CreatedBy, Kind: "split", Detail: nc.ID}},
		} {
			if err := w.caseEvent(ctx, tx, ev.caseID, ev.ev); err != nil {
				return err
			}
		}
		if err := w.reindexCase(ctx, tx, from); err != nil {
			return err
		}
		return w.reindexCase(ctx, tx, nc.ID)
	})
}

func (w *Workspace) inTx(ctx context.Context, what string, fn func(*sql.Tx) error) error {
	tx, err := w.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		if errors.Is(err, casefile.ErrReportInCase) || errors.Is(err, casefile.ErrNotFound) {
			return err
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// CaseByID reads a case with its reports and referrals.
func (w *Workspace) CaseByID(ctx context.Context, id string) (casefile.Case, error) {
	c, err := scanCase(w.read.QueryRowContext(ctx, w.q.Q(`SELECT `+caseColumns+` FROM cases WHERE id = ?`), id))
	if err != nil {
		return c, err
	}
	rows, err := w.read.QueryContext(ctx, w.q.Q(`SELECT id FROM reports WHERE case_id = ? AND case_id <> '' ORDER BY created_at, id`), id)
	if err != nil {
		return c, fmt.Errorf("case reports: %w", err)
	}
	for rows.Next() {
		var rid string
		if err := rows.Scan(&rid); err != nil {
			rows.Close()
			return c, err
		}
		c.ReportIDs = append(c.ReportIDs, rid)
	}
	if err := rows.Close(); err != nil {
		return c, err
	}
	rows, err = w.read.QueryContext(ctx, w.q.Q(`SELECT destination, at, actor, status, rule, reason, overridden, due_at, acknowledged_at, outcome, outcome_at
		FROM referrals WHERE case_id = ? ORDER BY at, destination`), id)
	if err != nil {
		return c, fmt.Errorf("case referrals: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r casefile.Referral
		var at, due, ack, outAt int64
		var status string
		if err := rows.Scan(&r.Destination, &at, &r.Actor, &status, &r.Rule, &r.Reason, &r.Overridden, &due, &ack, &r.Outcome, &outAt); err != nil {
			return c, err
		}
		r.At, r.Status = fromMicros(at), casefile.ReferralStatus(status)
		r.DueAt, r.AcknowledgedAt, r.OutcomeAt = optMicros(due), optMicros(ack), optMicros(outAt)
		c.Referrals = append(c.Referrals, r)
	}
	return c, rows.Err()
}

// ListCases lists cases, most recently changed first.
func (w *Workspace) ListCases(ctx context.Context, f casefile.Filter) ([]casefile.Case, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	var where []string
	var args []any
	if f.Status != "" {
		where, args = append(where, `status = ?`), append(args, string(f.Status))
	}
	if f.Destination != "" {
		where, args = append(where, `id IN (SELECT case_id FROM referrals WHERE destination = ?)`), append(args, f.Destination)
	}
	q := `SELECT ` + caseColumns + ` FROM cases`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	args = append(args, f.Limit)
	rows, err := w.read.QueryContext(ctx, w.q.Q(q+` ORDER BY updated_at DESC, id LIMIT ?`), args...)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	defer rows.Close()
	var out []casefile.Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CaseEvents reads a case's history.
func (w *Workspace) CaseEvents(ctx context.Context, id string) ([]casefile.Event, error) {
	return w.history(ctx, `SELECT at, actor, kind, detail FROM case_events WHERE case_id = ? ORDER BY id`, id)
}

// history reads the lines of a case's or a report's history (both kinds
// of event have the same fields).
func (w *Workspace) history(ctx context.Context, query, id string) ([]casefile.Event, error) {
	rows, err := w.read.QueryContext(ctx, w.q.Q(query), id)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	defer rows.Close()
	var out []casefile.Event
	for rows.Next() {
		var e casefile.Event
		var at int64
		if err := rows.Scan(&at, &e.Actor, &e.Kind, &e.Detail); err != nil {
			return nil, err
		}
		e.At = fromMicros(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

func (w *Workspace) caseStatus(ctx context.Context, tx *sql.Tx, id string) (casefile.Status, error) {
	var s string
	err := tx.QueryRowContext(ctx, w.q.Q(`SELECT status FROM cases WHERE id = ?`), id).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return "", casefile.ErrNotFound
	}
	return casefile.Status(s), err
}

// AddReportsToCase puts reports into a case.
func (w *Workspace) AddReportsToCase(ctx context.Context, id string, ids []string, actor string) error {
	now := time.Now().UTC()
	return w.inTx(ctx, "add reports", func(tx *sql.Tx) error {
		status, err := w.caseStatus(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := w.attach(ctx, tx, id, status, ids, actor, now); err != nil {
			return err
		}
		if err := w.touchCase(ctx, tx, id, now); err != nil {
			return err
		}
		return w.caseEvent(ctx, tx, id, casefile.Event{At: now, Actor: actor, Kind: "reports.added", Detail: strings.Join(ids, " ")})
	})
}

func (w *Workspace) touchCase(ctx context.Context, tx *sql.Tx, id string, at time.Time) error {
	_, err := tx.ExecContext(ctx, w.q.Q(`UPDATE cases SET updated_at = ? WHERE id = ?`), micros(at), id)
	return err
}

// RemoveReportFromCase puts a report back in the queue, with its analyst.
func (w *Workspace) RemoveReportFromCase(ctx context.Context, id, reportID, actor string) error {
	now := time.Now().UTC()
	return w.inTx(ctx, "remove report", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, w.q.Q(`UPDATE reports SET case_id = '',
			triage = CASE WHEN assignee = '' THEN 'new' ELSE 'assigned' END,
			status = CASE WHEN assignee = '' THEN 'received' ELSE 'analysing' END
			WHERE id = ? AND case_id = ?`), reportID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return casefile.ErrNotFound
		}
		if err := w.reportEvent(ctx, tx, reportID, now, actor, "case.removed", id); err != nil {
			return err
		}
		if err := w.touchCase(ctx, tx, id, now); err != nil {
			return err
		}
		return w.caseEvent(ctx, tx, id, casefile.Event{At: now, Actor: actor, Kind: "reports.removed", Detail: reportID})
	})
}

// MergeCases moves from's reports into into and closes from as merged.
func (w *Workspace) MergeCases(ctx context.Context, into, from, actor string) error {
	now := time.Now().UTC()
	return w.inTx(ctx, "merge cases", func(tx *sql.Tx) error {
		status, err := w.caseStatus(ctx, tx, into)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, w.q.Q(`UPDATE reports SET case_id = ?, status = ? WHERE case_id = ? AND case_id <> ''`), into, string(casefile.ReporterStatus(status)), from); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, w.q.Q(`UPDATE cases SET status = 'closed', outcome = 'merged', merged_into = ?, updated_at = ? WHERE id = ?`), into, micros(now), from)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return casefile.ErrNotFound
		}
		if err := w.touchCase(ctx, tx, into, now); err != nil {
			return err
		}
		if err := w.caseEvent(ctx, tx, into, casefile.Event{At: now, Actor: actor, Kind: "merged", Detail: from}); err != nil {
			return err
		}
		if err := w.caseEvent(ctx, tx, from, casefile.Event{At: now, Actor: actor, Kind: "merged-into", Detail: into}); err != nil {
			return err
		}
		return w.reindexCase(ctx, tx, into)
	})
}

// UpdateCase writes a case's qualification and status; its reports'
// reporter-facing status follows.
func (w *Workspace) UpdateCase(ctx context.Context, c casefile.Case, ev casefile.Event) error {
	return w.inTx(ctx, "update case", func(tx *sql.Tx) error {
		legal, _ := json.Marshal(c.LegalRefs)
		res, err := tx.ExecContext(ctx, w.q.Q(`UPDATE cases SET title = ?, status = ?, category = ?, legal_refs = ?, summary = ?, priority = ?, outcome = ?, updated_at = ?, victim_departement = ?, reporter_country = ? WHERE id = ?`),
			c.Title, string(c.Status), c.Category, string(legal), c.Summary, c.Priority, c.Outcome, micros(c.UpdatedAt), c.VictimDepartement, c.ReporterCountry, c.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return casefile.ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, w.q.Q(`UPDATE reports SET status = ? WHERE case_id = ? AND case_id <> ''`), string(casefile.ReporterStatus(c.Status)), c.ID); err != nil {
			return err
		}
		if err := w.caseEvent(ctx, tx, c.ID, ev); err != nil {
			return err
		}
		return w.reindexCase(ctx, tx, c.ID)
	})
}

// AddCaseEvent adds a line (a note) to a case's history.
func (w *Workspace) AddCaseEvent(ctx context.Context, id string, ev casefile.Event) error {
	return w.inTx(ctx, "case event", func(tx *sql.Tx) error {
		if _, err := w.caseStatus(ctx, tx, id); err != nil {
			return err
		}
		if err := w.caseEvent(ctx, tx, id, ev); err != nil {
			return err
		}
		if err := w.touchCase(ctx, tx, id, ev.At); err != nil {
			return err
		}
		if ev.Kind == "note" {
			return w.reindexCase(ctx, tx, id)
		}
		return nil
	})
}

func optMicros(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return fromMicros(v)
}

func micros0(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return micros(t)
}

// ReferCase records a referral to a destination (once per destination;
// referring again to the same service changes nothing).
func (w *Workspace) ReferCase(ctx context.Context, id string, r casefile.Referral) error {
	return w.inTx(ctx, "refer case", func(tx *sql.Tx) error {
		if _, err := w.caseStatus(ctx, tx, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, w.q.Q(`INSERT INTO referrals (case_id, destination, at, actor, status, rule, reason, overridden, due_at)
			VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`), id, r.Destination, micros(r.At), r.Actor, string(r.Status), r.Rule, r.Reason, r.Overridden, micros0(r.DueAt))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		if r.Delivery != nil {
			if err := w.queueDelivery(ctx, tx, id, r); err != nil {
				return err
			}
		}
		detail := r.Destination
		if r.Rule != "" {
			detail += " (" + r.Rule + ")"
		}
		if r.Overridden {
			detail += " — " + r.Reason
		}
		return w.caseEvent(ctx, tx, id, casefile.Event{At: r.At, Actor: r.Actor, Kind: "referred", Detail: detail})
	})
}

// UpdateReferral records a recipient's acknowledgement or outcome.
func (w *Workspace) UpdateReferral(ctx context.Context, id string, r casefile.Referral, ev casefile.Event) error {
	return w.inTx(ctx, "update referral", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, w.q.Q(`UPDATE referrals SET status = ?, acknowledged_at = ?, outcome = ?, outcome_at = ? WHERE case_id = ? AND destination = ?`),
			string(r.Status), micros0(r.AcknowledgedAt), r.Outcome, micros0(r.OutcomeAt), id, r.Destination)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return casefile.ErrNotFound
		}
		if err := w.touchCase(ctx, tx, id, ev.At); err != nil {
			return err
		}
		return w.caseEvent(ctx, tx, id, ev)
	})
}

// reindexCase rewrites a case's search entry: title, qualification and notes.
func (w *Workspace) reindexCase(ctx context.Context, tx *sql.Tx, id string) error {
	var title, category, legal, summary string
	if err := tx.QueryRowContext(ctx, w.q.Q(`SELECT title, category, legal_refs, summary FROM cases WHERE id = ?`), id).Scan(&title, &category, &legal, &summary); err != nil {
		return err
	}
	body := []string{title, category, legal, summary}
	rows, err := tx.QueryContext(ctx, w.q.Q(`SELECT detail FROM case_events WHERE case_id = ? AND kind = 'note' ORDER BY id`), id)
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
	if err := rows.Close(); err != nil {
		return err
	}
	text := strings.Join(body, "\n")
	if w.q.dialect.SkipLocked {
		_, err = tx.ExecContext(ctx, `INSERT INTO case_search (case_id, doc) VALUES ($1, to_tsvector('simple', regexp_replace($2, '[^[:alnum:]]+', ' ', 'g')))
			ON CONFLICT (case_id) DO UPDATE SET doc = excluded.doc`, id, text)
		return err
	}
	// The index row shares the case's rowid, so it is found without a scan.
	if _, err := tx.ExecContext(ctx, `DELETE FROM cases_fts WHERE rowid = (SELECT rowid FROM cases WHERE id = ?)`, id); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO cases_fts (rowid, case_id, body) SELECT rowid, id, ? FROM cases WHERE id = ?`, text, id)
	return err
}

// indexReportText adds linked reports to the full-text index, in the
// linker's transaction. SQLite indexes at once (reports already indexed are
// skipped, so a rebuild of the links does not index twice); PostgreSQL
// only queues them for IndexPendingText, as tsvector and GIN updates would
// slow linking down under load.
func (q *Queries) indexReportText(ctx context.Context, tx *sql.Tx, ids []any) error {
	for lo := 0; lo < len(ids); lo += 500 {
		chunk := ids[lo:min(lo+500, len(ids))]
		var err error
		if q.dialect.SkipLocked {
			_, err = tx.ExecContext(ctx, q.Q(`INSERT INTO search_queue (report_id) VALUES `+strings.TrimSuffix(strings.Repeat("(?),", len(chunk)), ",")+` ON CONFLICT DO NOTHING`), chunk...)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO reports_fts (rowid, description, urls, seen_on)
				SELECT r.rowid, r.description, r.urls, r.seen_on FROM reports r
				WHERE r.id IN (`+placeholders(len(chunk))+`) AND NOT EXISTS (SELECT 1 FROM reports_fts f WHERE f.rowid = r.rowid)`, chunk...)
		}
		if err != nil {
			return fmt.Errorf("index text: %w", err)
		}
	}
	return nil
}

// IndexPendingText implements search.Indexer: on PostgreSQL it takes up to
// limit queued reports (SKIP LOCKED: instances share the work) and indexes
// their text; on SQLite there is never anything queued.
func (w *Workspace) IndexPendingText(ctx context.Context, limit int) (int, error) {
	if !w.q.dialect.SkipLocked {
		return 0, nil
	}
	tx, err := w.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("index text: %w", err)
	}
	defer tx.Rollback()
	if err := asyncCommit(ctx, tx); err != nil {
		return 0, fmt.Errorf("index text: %w", err)
	}
	var ids []string
	rows, err := tx.QueryContext(ctx, `DELETE FROM search_queue WHERE report_id IN
		(SELECT report_id FROM search_queue LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING report_id`, limit)
	if err != nil {
		return 0, fmt.Errorf("index text: %w", err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO report_search (report_id, created_at, doc)
		SELECT id, created_at, to_tsvector('simple', regexp_replace(description || ' ' || urls || ' ' || seen_on, '[^[:alnum:]]+', ' ', 'g'))
		FROM reports WHERE id = ANY($1) ON CONFLICT DO NOTHING`, ids); err != nil {
		return 0, fmt.Errorf("index text: %w", err)
	}
	return len(ids), tx.Commit()
}

// ftsQuery quotes each term for FTS5, so that no term is read as syntax.
func ftsQuery(terms []string) string {
	quoted := make([]string, len(terms))
	for i, t := range terms {
		quoted[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
	}
	return strings.Join(quoted, " ")
}

func (w *Workspace) ids(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := w.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// SearchReports finds reports holding every term, newest first.
func (w *Workspace) SearchReports(ctx context.Context, terms []string, limit int) ([]string, error) {
	if len(terms) == 0 {
		return nil, nil
	}
	if w.q.dialect.SkipLocked {
		return w.ids(ctx, `SELECT report_id FROM report_search WHERE doc @@ to_tsquery('simple', $1) ORDER BY created_at DESC LIMIT $2`, pgQuery(terms), limit)
	}
	return w.ids(ctx, `SELECT r.id FROM reports_fts f JOIN reports r ON r.rowid = f.rowid WHERE reports_fts MATCH ? ORDER BY f.rowid DESC LIMIT ?`, ftsQuery(terms), limit)
}

// SearchCases finds cases holding every term.
func (w *Workspace) SearchCases(ctx context.Context, terms []string, limit int) ([]string, error) {
	if len(terms) == 0 {
		return nil, nil
	}
	if w.q.dialect.SkipLocked {
		return w.ids(ctx, `SELECT s.case_id FROM case_search s JOIN cases c ON c.id = s.case_id WHERE s.doc @@ to_tsquery('simple', $1) ORDER BY c.updated_at DESC LIMIT $2`, pgQuery(terms), limit)
	}
	return w.ids(ctx, `SELECT c.id FROM cases_fts f JOIN cases c ON c.rowid = f.rowid WHERE cases_fts MATCH ? ORDER BY c.updated_at DESC LIMIT ?`, ftsQuery(terms), limit)
}

// pgQuery joins terms (letters and digits only, see search.Terms) with &.
func pgQuery(terms []string) string {
	quoted := make([]string, len(terms))
	for i, t := range terms {
		quoted[i] = "'" + strings.ReplaceAll(t, "'", "''") + "'"
	}
	return strings.Join(quoted, " & ")
}
