package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/triage"
)

const queueColumns = `r.id, r.receipt, r.category, r.channel, r.urgent, r.created_at, r.triage, r.assignee, r.case_id, substr(r.description, 1, 160)`

func scanItem(sc interface{ Scan(...any) error }) (triage.Item, error) {
	var it triage.Item
	var created int64
	var state string
	err := sc.Scan(&it.ID, &it.Receipt, &it.Category, &it.Channel, &it.Urgent, &created, &state, &it.Assignee, &it.CaseID, &it.Excerpt)
	it.CreatedAt, it.State = fromMicros(created), triage.State(state)
	return it, err
}

// relatedClause is true when a report shares an identifier that links
// (not flagged by the warning list or the cap) with another report; the
// linker keeps that set in related_reports. On PostgreSQL, OFFSET 0 keeps
// the probe per row of the queue's index range (which LIMIT stops early)
// rather than a join over the whole set.
func (w *Workspace) relatedClause() string {
	fence := ""
	if w.q.dialect.SkipLocked {
		fence = " OFFSET 0"
	}
	return `EXISTS (SELECT 1 FROM related_reports rr WHERE rr.report_id = r.id` + fence + `)`
}

func likePrefix(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s) + "%"
}

// Queue reads one page: one index range per state (triage, urgent DESC,
// created_at, id), merged here, so that the open view never sorts.
func (w *Workspace) Queue(ctx context.Context, f triage.Filter) ([]triage.Item, error) {
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
			related := w.relatedClause()
			if *f.HasRelated {
				where = append(where, related)
			} else {
				where = append(where, `NOT `+related)
			}
		}
		if !f.After.IsZero() {
			where = append(where, `(r.urgent < ? OR (r.urgent = ? AND (r.created_at > ? OR (r.created_at = ? AND r.id > ?))))`)
			args = append(args, f.After.Urgent, f.After.Urgent, f.After.CreatedAt, f.After.CreatedAt, f.After.ID)
		}
		args = append(args, f.Limit)
		rows, err := w.read.QueryContext(ctx, w.q.Q(`SELECT `+queueColumns+` FROM reports r WHERE `+strings.Join(where, " AND ")+
			` ORDER BY r.urgent DESC, r.created_at, r.id LIMIT ?`), args...)
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
		if err := rows.Close(); err != nil {
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
		case !a.CreatedAt.Equal(b.CreatedAt):
			return a.CreatedAt.Compare(b.CreatedAt)
		}
		return strings.Compare(a.ID, b.ID)
	})
	return items[:min(len(items), f.Limit)], nil
}

// TriageOf reads one report's queue line.
func (w *Workspace) TriageOf(ctx context.Context, id string) (triage.Item, error) {
	it, err := scanItem(w.read.QueryRowContext(ctx, w.q.Q(`SELECT `+queueColumns+` FROM reports r WHERE r.id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return it, report.ErrNotFound
	}
	return it, err
}

func (w *Workspace) reportEvent(ctx context.Context, tx *sql.Tx, id string, at time.Time, actor, kind, detail string) error {
	return w.reportEvents(ctx, tx, []string{id}, at, actor, kind, detail)
}

// reportEvents records one event for many reports with multi-row INSERTs:
// a bulk decision costs a few statements, not one per report.
func (w *Workspace) reportEvents(ctx context.Context, tx *sql.Tx, ids []string, at time.Time, actor, kind, detail string) error {
	for lo := 0; lo < len(ids); lo += 500 {
		chunk := ids[lo:min(lo+500, len(ids))]
		args := make([]any, 0, 5*len(chunk))
		for _, id := range chunk {
			args = append(args, id, micros(at), actor, kind, detail)
		}
		values := strings.TrimSuffix(strings.Repeat("(?,?,?,?,?),", len(chunk)), ",")
		if _, err := tx.ExecContext(ctx, w.q.Q(`INSERT INTO report_events (report_id, at, actor, kind, detail) VALUES `+values), args...); err != nil {
			return err
		}
	}
	return nil
}

// TakeNext assigns the first new report to assignee.
func (w *Workspace) TakeNext(ctx context.Context, assignee string, at time.Time) (triage.Item, error) {
	tx, err := w.write.BeginTx(ctx, nil)
	if err != nil {
		return triage.Item{}, fmt.Errorf("take next: %w", err)
	}
	defer tx.Rollback()
	lock := ""
	if w.q.dialect.SkipLocked {
		lock = " FOR UPDATE SKIP LOCKED" // two analysts on two instances get two reports
	}
	var id string
	err = tx.QueryRowContext(ctx, w.q.Q(`UPDATE reports SET triage = 'assigned', assignee = ?, status = ?
		WHERE triage = 'new' AND id = (SELECT id FROM reports WHERE triage = 'new' ORDER BY urgent DESC, created_at, id LIMIT 1`+lock+`)
		RETURNING id`), assignee, string(report.StatusAnalysing)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return triage.Item{}, triage.ErrNothingToTake
	}
	if err != nil {
		return triage.Item{}, fmt.Errorf("take next: %w", err)
	}
	if err := w.reportEvent(ctx, tx, id, at, assignee, "taken", ""); err != nil {
		return triage.Item{}, fmt.Errorf("take next: %w", err)
	}
	it, err := scanItem(tx.QueryRowContext(ctx, w.q.Q(`SELECT `+queueColumns+` FROM reports r WHERE r.id = ?`), id))
	if err != nil {
		return it, fmt.Errorf("take next: %w", err)
	}
	return it, tx.Commit()
}

// updateReports runs an UPDATE … WHERE id IN (…) AND <cond> RETURNING id over
// chunks in tx, and returns the ids it changed.
func (w *Workspace) updateReports(ctx context.Context, tx *sql.Tx, set string, setArgs []any, cond string, ids []string) ([]string, error) {
	var changed []string
	for lo := 0; lo < len(ids); lo += 500 {
		chunk := ids[lo:min(lo+500, len(ids))]
		args := append(slices.Clone(setArgs), toAny(chunk)...)
		rows, err := tx.QueryContext(ctx, w.q.Q(`UPDATE reports SET `+set+` WHERE id IN (`+placeholders(len(chunk))+`) AND `+w.q.filterOnly(cond)+` RETURNING id`), args...)
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
		if err := rows.Close(); err != nil {
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
func (w *Workspace) Assign(ctx context.Context, ids []string, assignee, actor string, at time.Time) (int, error) {
	tx, err := w.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("assign: %w", err)
	}
	defer tx.Rollback()
	state, status := triage.StateAssigned, report.StatusAnalysing
	if assignee == "" {
		state, status = triage.StateNew, report.StatusReceived
	}
	changed, err := w.updateReports(ctx, tx, `triage = ?, assignee = ?, status = ?`, []any{string(state), assignee, string(status)}, `triage IN ('new', 'assigned')`, ids)
	if err != nil {
		return 0, fmt.Errorf("assign: %w", err)
	}
	if err := w.reportEvents(ctx, tx, changed, at, actor, "assigned", assignee); err != nil {
		return 0, fmt.Errorf("assign: %w", err)
	}
	return len(changed), tx.Commit()
}

// Decide closes open reports with a decision.
func (w *Workspace) Decide(ctx context.Context, ids []string, d triage.Decision, actor string, at time.Time) (int, error) {
	tx, err := w.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("decide: %w", err)
	}
	defer tx.Rollback()
	changed, err := w.updateReports(ctx, tx, `triage = ?, decision_reason = ?, duplicate_of = ?, status = ?`,
		[]any{string(d.State), d.Reason, d.DuplicateOf, string(report.StatusClosed)}, `triage IN ('new', 'assigned')`, ids)
	if err != nil {
		return 0, fmt.Errorf("decide: %w", err)
	}
	detail := d.Reason
	if d.DuplicateOf != "" {
		detail = d.DuplicateOf + ": " + d.Reason
	}
	if err := w.reportEvents(ctx, tx, changed, at, actor, string(d.State), detail); err != nil {
		return 0, fmt.Errorf("decide: %w", err)
	}
	return len(changed), tx.Commit()
}

// ReportEvents reads a report's history.
func (w *Workspace) ReportEvents(ctx context.Context, id string) ([]triage.Event, error) {
	lines, err := w.history(ctx, `SELECT at, actor, kind, detail FROM report_events WHERE report_id = ? ORDER BY id`, id)
	out := make([]triage.Event, len(lines))
	for i, e := range lines {
		out[i] = triage.Event(e)
	}
	return out, err
}
