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
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/taxonomy"
	"github.com/vigie-platform/vigie/triage"
)

const queueColumns = `r.id, r.receipt, r.category, r.channel, r.urgent, r.created_at, r.triage, r.assignee, r.case_id,
	COALESCE((SELECT c.number FROM cases c WHERE c.id = r.case_id), ''), substr(r.description, 1, 160), r.due_at,
	COALESCE(r.wave_id, 0), COALESCE((SELECT w.size FROM waves w WHERE w.id = r.wave_id), 0)`

func scanItem(sc scanner) (triage.Item, error) {
	var it triage.Item
	var created, due int64
	var state string
	err := sc.Scan(&it.ID, &it.Receipt, &it.Category, &it.Channel, &it.Urgent, &created, &state, &it.Assignee, &it.CaseID, &it.CaseNumber, &it.Excerpt, &due, &it.WaveID, &it.WaveSize)
	it.CreatedAt, it.DueAt, it.State = fromMicros(created), fromMicros(due), triage.State(state)
	return it, err
}

// relatedClause is true when a report shares an identifier that links
// (not flagged by the warning list or the cap) with another report; the
// linker keeps that set in related_reports. The probe runs per row of the
// queue's index range, which LIMIT stops early.
func (s *Store) relatedClause() string {
	return `EXISTS (SELECT 1 FROM related_reports rr WHERE rr.report_id = r.id` + s.engine.SubqueryFence() + `)`
}

func likePrefix(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s) + "%"
}

// Queue reads one page: one index range per state (triage, urgent DESC,
// due_at, id), merged here, so that the open view never sorts.
func (s *Store) Queue(ctx context.Context, f triage.Filter) (_ []triage.Item, err error) {
	defer s.Guard(&err)
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	states := f.States
	if len(states) == 0 {
		states = triage.OpenStates
	}
	var items []triage.Item
	for _, st := range states {
		where := []string{`r.triage = ?`}
		args := []any{string(st)}
		if f.Category != "" {
			if strings.HasSuffix(f.Category, ".") {
				where, args = append(where, `r.category LIKE ? ESCAPE '\'`), append(args, likePrefix(f.Category))
			} else {
				where, args = append(where, `r.category = ?`), append(args, f.Category)
			}
		}
		if f.Channel != "" {
			where, args = append(where, `r.channel = ?`), append(args, f.Channel)
		}
		switch f.Assignee {
		case "":
		case "-":
			where = append(where, `r.assignee = ''`)
		default:
			where, args = append(where, `r.assignee = ?`), append(args, f.Assignee)
		}
		if !f.From.IsZero() {
			where, args = append(where, `r.created_at >= ?`), append(args, micros(f.From))
		}
		if !f.To.IsZero() {
			where, args = append(where, `r.created_at < ?`), append(args, micros(f.To))
		}
		if f.HasRelated != nil {
			related := s.relatedClause()
			if *f.HasRelated {
				where = append(where, related)
			} else {
				where = append(where, `NOT `+related)
			}
		}
		if f.OneItemPerWave {
			// Hidden behind an earlier member of its wave waiting in the
			// states shown: one seek of reports_wave_open per row.
			where = append(where, `NOT EXISTS (SELECT 1 FROM reports o WHERE o.wave_id = r.wave_id AND o.triage IN (`+Placeholders(len(states))+`)
				AND (o.created_at < r.created_at OR (o.created_at = r.created_at AND o.id < r.id))`+s.engine.SubqueryFence()+`)`)
			for _, st := range states {
				args = append(args, string(st))
			}
		}
		if !f.After.IsZero() {
			where = append(where, `(r.urgent < ? OR (r.urgent = ? AND (r.due_at > ? OR (r.due_at = ? AND r.id > ?))))`)
			args = append(args, f.After.Urgent, f.After.Urgent, f.After.DueAt, f.After.DueAt, f.After.ID)
		}
		args = append(args, f.Limit)
		rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT `+queueColumns+` FROM reports r WHERE `+strings.Join(where, " AND ")+
			` ORDER BY r.urgent DESC, r.due_at, r.id LIMIT ?`), args...)
		if err != nil {
			return nil, fmt.Errorf("queue: %w", err)
		}
		for rows.Next() {
			it, err := scanItem(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("queue: %w", err)
			}
			items = append(items, it)
		}
		if err := endRows(rows); err != nil {
			return nil, fmt.Errorf("queue: %w", err)
		}
	}
	slices.SortFunc(items, func(a, b triage.Item) int {
		switch {
		case a.Urgent != b.Urgent:
			if a.Urgent {
				return -1
			}
			return 1
		case !a.DueAt.Equal(b.DueAt):
			return a.DueAt.Compare(b.DueAt)
		}
		return strings.Compare(a.ID, b.ID)
	})
	return items[:min(len(items), f.Limit)], nil
}

// TriageItems reads the items of the reports named.
func (s *Store) TriageItems(ctx context.Context, ids []string) (_ []triage.Item, err error) {
	defer s.Guard(&err)
	var out []triage.Item
	for lo := 0; lo < len(ids); lo += 500 {
		chunk := ids[lo:min(lo+500, len(ids))]
		rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT `+queueColumns+` FROM reports r WHERE r.id IN (`+Placeholders(len(chunk))+`)`), toAny(chunk)...)
		items, err := collect(rows, err, "triage items", scanItem)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
	}
	return out, nil
}

// QueueSummary counts what waits. The counts walk the queue index over
// the waiting reports only; the oldest is four seeks into it, the overdue
// four ranges of the deadline index.
func (s *Store) QueueSummary(ctx context.Context, now time.Time) (_ triage.Summary, err error) {
	defer s.Guard(&err)
	var sum triage.Summary
	var urgent sql.NullInt64
	err = s.read.QueryRowContext(ctx, s.rebind(`SELECT count(*), sum(CASE WHEN urgent THEN 1 ELSE 0 END) FROM reports WHERE triage IN (?, ?)`),
		string(triage.StateNew), string(triage.StateAssigned)).Scan(&sum.Open, &urgent)
	if err != nil {
		return sum, fmt.Errorf("queue summary: %w", err)
	}
	sum.Urgent = urgent.Int64
	for _, state := range []triage.State{triage.StateNew, triage.StateAssigned} {
		for _, u := range []bool{true, false} {
			var oldest sql.NullInt64
			err := s.read.QueryRowContext(ctx, s.rebind(`SELECT min(created_at) FROM reports WHERE triage = ? AND urgent = ?`), string(state), u).Scan(&oldest)
			if err != nil {
				return sum, fmt.Errorf("queue summary: %w", err)
			}
			if at := fromMicros(oldest.Int64); oldest.Valid && (sum.Oldest.IsZero() || at.Before(sum.Oldest)) {
				sum.Oldest = at
			}
			var overdue int64
			err = s.read.QueryRowContext(ctx, s.rebind(`SELECT count(*) FROM reports WHERE triage = ? AND urgent = ? AND due_at < ?`), string(state), u, micros(now)).Scan(&overdue)
			if err != nil {
				return sum, fmt.Errorf("queue summary: %w", err)
			}
			sum.Overdue += overdue
		}
	}
	return sum, nil
}

// Waiting reads the reports that wait for a decision (tens of thousands
// at most: the backlog, not the archive).
func (s *Store) Waiting(ctx context.Context) (_ []triage.Waiting, err error) {
	defer s.Guard(&err)
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT category, urgent, created_at, due_at, assignee FROM reports WHERE triage IN (?, ?)`),
		string(triage.StateNew), string(triage.StateAssigned))
	return collect(rows, err, "waiting reports", func(sc scanner) (triage.Waiting, error) {
		var w triage.Waiting
		var created, due int64
		err := sc.Scan(&w.Category, &w.Urgent, &created, &due, &w.Assignee)
		w.CreatedAt, w.DueAt = fromMicros(created), fromMicros(due)
		return w, err
	})
}

// Retarget recomputes the deadlines of waiting reports from the target
// times given (the taxonomy's, which an installation may change): one pass
// over the waiting reports, writing only those whose deadline moves.
func (s *Store) Retarget(ctx context.Context, targets []taxonomy.Target) (_ int64, err error) {
	defer s.Guard(&err)
	if len(targets) == 0 {
		return 0, nil
	}
	var expr strings.Builder
	var args []any
	expr.WriteString(`created_at + CASE category`)
	for _, t := range targets {
		expr.WriteString(` WHEN ? THEN (CASE WHEN urgent THEN CAST(? AS BIGINT) ELSE CAST(? AS BIGINT) END)`)
		args = append(args, t.Category, t.Urgent.Microseconds(), t.Normal.Microseconds())
	}
	expr.WriteString(` ELSE CAST(? AS BIGINT) END`)
	args = append(args, (taxonomy.DefaultTargetMinutes * time.Minute).Microseconds())
	all := append(append(append([]any{}, args...), string(triage.StateNew), string(triage.StateAssigned)), args...)
	res, err := s.write.ExecContext(ctx, s.rebind(`UPDATE reports SET due_at = `+expr.String()+
		` WHERE triage IN (?, ?) AND due_at <> `+expr.String()), all...)
	if err != nil {
		return 0, fmt.Errorf("retarget: %w", err)
	}
	return res.RowsAffected()
}

// TriageOf reads one report's queue line.
func (s *Store) TriageOf(ctx context.Context, id string) (_ triage.Item, err error) {
	defer s.Guard(&err)
	it, err := scanItem(s.read.QueryRowContext(ctx, s.rebind(`SELECT `+queueColumns+` FROM reports r WHERE r.id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return it, report.ErrNotFound
	}
	return it, err
}

func (s *Store) reportEvent(ctx context.Context, tx *sql.Tx, id string, at time.Time, actor, kind, detail string) error {
	return s.reportEvents(ctx, tx, []string{id}, at, actor, kind, detail)
}

// reportEvents records one event for many reports with multi-row INSERTs:
// a bulk decision costs a few statements, not one per report.
func (s *Store) reportEvents(ctx context.Context, tx *sql.Tx, ids []string, at time.Time, actor, kind, detail string) error {
	for lo := 0; lo < len(ids); lo += 500 {
		chunk := ids[lo:min(lo+500, len(ids))]
		args := make([]any, 0, 5*len(chunk))
		for _, id := range chunk {
			args = append(args, id, micros(at), actor, kind, detail)
		}
		values := strings.TrimSuffix(strings.Repeat("(?,?,?,?,?),", len(chunk)), ",")
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO report_events (report_id, at, actor, kind, detail) VALUES `+values), args...); err != nil {
			return err
		}
	}
	return nil
}

// TakeNext assigns the first new report to assignee. The claim skips
// reports that a taker on another instance holds: two analysts get two
// reports.
func (s *Store) TakeNext(ctx context.Context, assignee string, at time.Time) (_ triage.Item, err error) {
	defer s.Guard(&err)
	var it triage.Item
	err = s.inTxOutcome(ctx, "take next", func(tx *sql.Tx) (audit.Outcome, error) {
		var id string
		err := tx.QueryRowContext(ctx, s.rebind(`UPDATE reports SET triage = 'assigned', assignee = ?, status = ?
			WHERE triage = 'new' AND id = (SELECT id FROM reports WHERE triage = 'new' ORDER BY urgent DESC, due_at, id LIMIT 1`+s.engine.ClaimSuffix("")+`)
			RETURNING id`), assignee, string(report.StatusAnalysing)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return audit.Outcome{}, triage.ErrNothingToTake
		}
		if err != nil {
			return audit.Outcome{}, err
		}
		if err := s.reportEvent(ctx, tx, id, at, assignee, "taken", ""); err != nil {
			return audit.Outcome{}, err
		}
		if err := s.queueNewsFor(ctx, tx, at, []string{id}); err != nil {
			return audit.Outcome{}, err
		}
		it, err = scanItem(tx.QueryRowContext(ctx, s.rebind(`SELECT `+queueColumns+` FROM reports r WHERE r.id = ?`), id))
		return audit.Outcome{ObjectID: id, Changed: 1}, err
	})
	if err != nil {
		return triage.Item{}, err
	}
	return it, nil
}

// updateReports runs an UPDATE … WHERE id IN (…) AND <cond> RETURNING id over
// chunks in tx, and returns the ids it changed.
func (s *Store) updateReports(ctx context.Context, tx *sql.Tx, set string, setArgs []any, cond string, ids []string) ([]string, error) {
	var changed []string
	for lo := 0; lo < len(ids); lo += 500 {
		chunk := ids[lo:min(lo+500, len(ids))]
		args := append(slices.Clone(setArgs), toAny(chunk)...)
		rows, err := tx.QueryContext(ctx, s.rebind(`UPDATE reports SET `+set+` WHERE id IN (`+Placeholders(len(chunk))+`) AND `+s.engine.FilterOnly(cond)+` RETURNING id`), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			changed = append(changed, id)
		}
		if err := endRows(rows); err != nil {
			return nil, err
		}
	}
	return changed, nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// Assign gives open reports to an analyst ("" puts them back in the pool).
func (s *Store) Assign(ctx context.Context, ids []string, assignee, actor string, at time.Time) (n int, err error) {
	defer s.Guard(&err)
	state, status := triage.StateAssigned, report.StatusAnalysing
	if assignee == "" {
		state, status = triage.StateNew, report.StatusReceived
	}
	err = s.inTxOutcome(ctx, "assign", func(tx *sql.Tx) (audit.Outcome, error) {
		changed, err := s.updateReports(ctx, tx, `triage = ?, assignee = ?, status = ?`, []any{string(state), assignee, string(status)}, `triage IN ('new', 'assigned')`, ids)
		if err != nil {
			return audit.Outcome{}, err
		}
		n = len(changed)
		if err := s.queueNewsFor(ctx, tx, at, changed); err != nil {
			return audit.Outcome{}, err
		}
		return audit.Outcome{Changed: n}, s.reportEvents(ctx, tx, changed, at, actor, "assigned", assignee)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Decide closes open reports with a decision.
func (s *Store) Decide(ctx context.Context, ids []string, d triage.Decision, actor string, at time.Time) (n int, err error) {
	defer s.Guard(&err)
	detail := d.Reason
	if d.DuplicateOf != "" {
		detail = d.DuplicateOf + ": " + d.Reason
	}
	err = s.inTxOutcome(ctx, "decide", func(tx *sql.Tx) (audit.Outcome, error) {
		changed, err := s.updateReports(ctx, tx, `triage = ?, decision_reason = ?, duplicate_of = ?, status = ?`,
			[]any{string(d.State), d.Reason, d.DuplicateOf, string(report.StatusClosed)}, `triage IN ('new', 'assigned')`, ids)
		if err != nil {
			return audit.Outcome{}, err
		}
		n = len(changed)
		if err := s.queueNewsFor(ctx, tx, at, changed); err != nil {
			return audit.Outcome{}, err
		}
		return audit.Outcome{Changed: n, IDs: changed}, s.reportEvents(ctx, tx, changed, at, actor, string(d.State), detail)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// ReportEvents reads a report's history.
func (s *Store) ReportEvents(ctx context.Context, id string) (_ []triage.Event, err error) {
	defer s.Guard(&err)
	lines, err := s.history(ctx, `SELECT at, actor, kind, detail FROM report_events WHERE report_id = ? ORDER BY id`, id)
	out := make([]triage.Event, len(lines))
	for i, e := range lines {
		out[i] = triage.Event(e)
	}
	return out, err
}
