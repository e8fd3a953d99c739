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
	"github.com/vigie-platform/vigie/stats"
	"github.com/vigie-platform/vigie/triage"
)

const caseColumns = `id, title, status, category, legal_refs, summary, priority, outcome, merged_into, created_by, created_at, updated_at, victim_departement, reporter_country, number`

func scanCase(sc scanner) (casefile.Case, error) {
	var c casefile.Case
	var status, legal string
	var created, updated int64
	err := sc.Scan(&c.ID, &c.Title, &status, &c.Category, &legal, &c.Summary, &c.Priority, &c.Outcome, &c.MergedInto, &c.CreatedBy, &created, &updated, &c.VictimDepartement, &c.ReporterCountry, &c.Number)
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

func (s *Store) caseEvent(ctx context.Context, tx *sql.Tx, id string, ev casefile.Event) error {
	_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO case_events (case_id, at, actor, kind, detail) VALUES (?,?,?,?,?)`), id, micros(ev.At), ev.Actor, ev.Kind, ev.Detail)
	return err
}

// attach puts reports into a case, all or none: a report that does not
// exist or is in another case fails the whole change.
func (s *Store) attach(ctx context.Context, tx *sql.Tx, caseID string, status casefile.Status, ids []string, actor string, at time.Time) error {
	changed, err := s.updateReports(ctx, tx, `case_id = ?, triage = ?, status = ?`,
		[]any{caseID, string(triage.StateInCase), string(casefile.ReporterStatus(status))}, `case_id = ''`, ids)
	if err != nil {
		return err
	}
	if len(changed) != len(ids) {
		return casefile.ErrReportInCase
	}
	if err := s.queueNewsFor(ctx, tx, at, changed); err != nil {
		return err
	}
	return s.reportEvents(ctx, tx, changed, at, actor, "case", caseID)
}

// CreateCase stores a new case with its reports.
func (s *Store) CreateCase(ctx context.Context, c casefile.Case) (err error) {
	defer s.Guard(&err)
	return s.inTx(ctx, "create case", func(tx *sql.Tx) error {
		if err := s.insertCase(ctx, tx, c); err != nil {
			return err
		}
		if err := s.attach(ctx, tx, c.ID, c.Status, c.ReportIDs, c.CreatedBy, c.CreatedAt); err != nil {
			return err
		}
		if err := s.caseEvent(ctx, tx, c.ID, casefile.Event{At: c.CreatedAt, Actor: c.CreatedBy, Kind: "created", Detail: strings.Join(c.ReportIDs, " ")}); err != nil {
			return err
		}
		return s.reindexCase(ctx, tx, c.ID)
	})
}

// caseNumberLock keys the serial lock under which a case takes the next
// number of its year (see Engine.SerialLock).
const caseNumberLock = 0x63736e6f // "csno"

func (s *Store) insertCase(ctx context.Context, tx *sql.Tx, c casefile.Case) error {
	if err := s.engine.SerialLock(ctx, tx, caseNumberLock); err != nil {
		return err
	}
	year := stats.DayOf(c.CreatedAt)[:4]
	var last string
	err := tx.QueryRowContext(ctx, s.rebind(`SELECT number FROM cases WHERE number LIKE ? ORDER BY length(number) DESC, number DESC LIMIT 1`),
		casefile.NumberPrefix+year+"-%").Scan(&last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("case number: %w", err)
	}
	c.Number = casefile.NextNumber(year, last)
	legal, _ := json.Marshal(c.LegalRefs)
	_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO cases (`+caseColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`),
		c.ID, c.Title, string(c.Status), c.Category, string(legal), c.Summary, c.Priority, c.Outcome, c.MergedInto, c.CreatedBy, micros(c.CreatedAt), micros(c.UpdatedAt), c.VictimDepartement, c.ReporterCountry, c.Number)
	return err
}

// CaseIDByNumber finds a case by its number (F-2026-000123).
func (s *Store) CaseIDByNumber(ctx context.Context, number string) (_ string, err error) {
	defer s.Guard(&err)
	var id string
	err = s.read.QueryRowContext(ctx, s.rebind(`SELECT id FROM cases WHERE number = ?`), number).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", casefile.ErrNotFound
	}
	return id, err
}

// SplitCase creates nc with some of from's reports, moved in the same
// transaction: if any of them has left from meanwhile, nothing changes.
func (s *Store) SplitCase(ctx context.Context, from string, nc casefile.Case) (err error) {
	defer s.Guard(&err)
	return s.inTx(ctx, "split case", func(tx *sql.Tx) error {
		if err := s.insertCase(ctx, tx, nc); err != nil {
			return err
		}
		moved := 0
		for lo := 0; lo < len(nc.ReportIDs); lo += 500 {
			chunk := nc.ReportIDs[lo:min(lo+500, len(nc.ReportIDs))]
			args := append([]any{nc.ID, string(casefile.ReporterStatus(nc.Status)), from}, toAny(chunk)...)
			res, err := tx.ExecContext(ctx, s.rebind(`UPDATE reports SET case_id = ?, status = ?
				WHERE case_id = ? AND id IN (`+Placeholders(len(chunk))+`)`), args...)
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
		if err := s.queueNewsOfCase(ctx, tx, nc.CreatedAt, nc.ID); err != nil {
			return err
		}
		if err := s.reportEvents(ctx, tx, nc.ReportIDs, nc.CreatedAt, nc.CreatedBy, "case", nc.ID); err != nil {
			return err
		}
		if err := s.touchCase(ctx, tx, from, nc.CreatedAt); err != nil {
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
			if err := s.caseEvent(ctx, tx, ev.caseID, ev.ev); err != nil {
				return err
			}
		}
		if err := s.reindexCase(ctx, tx, from); err != nil {
			return err
		}
		return s.reindexCase(ctx, tx, nc.ID)
	})
}

// CaseByID reads a case with its reports and referrals.
func (s *Store) CaseByID(ctx context.Context, id string) (_ casefile.Case, err error) {
	defer s.Guard(&err)
	c, err := scanCase(s.read.QueryRowContext(ctx, s.rebind(`SELECT `+caseColumns+` FROM cases WHERE id = ?`), id))
	if err != nil {
		return c, err
	}
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT id FROM reports WHERE case_id = ? AND case_id <> '' ORDER BY created_at, id`), id)
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
	if err := endRows(rows); err != nil {
		return c, err
	}
	c.Referrals, err = s.referralsOf(ctx, `case_id = ?`, id)
	return c, err
}

// referralsOf reads the referrals that cond (on the referrals table)
// selects.
func (s *Store) referralsOf(ctx context.Context, cond string, args ...any) ([]casefile.Referral, error) {
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT case_id, destination, at, actor, status, rule, reason, overridden, due_at, acknowledged_at, outcome, outcome_at
		FROM referrals WHERE `+cond+` ORDER BY at, destination`), args...)
	return collect(rows, err, "case referrals", func(sc scanner) (casefile.Referral, error) {
		var r casefile.Referral
		var caseID string
		var at, due, ack, outAt int64
		var status string
		err := sc.Scan(&caseID, &r.Destination, &at, &r.Actor, &status, &r.Rule, &r.Reason, &r.Overridden, &due, &ack, &r.Outcome, &outAt)
		r.CaseID, r.At, r.Status = caseID, fromMicros(at), casefile.ReferralStatus(status)
		r.DueAt, r.AcknowledgedAt, r.OutcomeAt = optMicros(due), optMicros(ack), optMicros(outAt)
		return r, err
	})
}

// ListCases lists cases, most recently changed first.
func (s *Store) ListCases(ctx context.Context, f casefile.Filter) (_ []casefile.Case, err error) {
	defer s.Guard(&err)
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
	if f.IDs != nil {
		if len(f.IDs) == 0 || len(f.IDs) > 500 {
			return nil, nil
		}
		where, args = append(where, `id IN (`+Placeholders(len(f.IDs))+`)`), append(args, toAny(f.IDs)...)
	}
	q := `SELECT ` + caseColumns + ` FROM cases`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	args = append(args, f.Limit)
	rows, err := s.read.QueryContext(ctx, s.rebind(q+` ORDER BY updated_at DESC, id LIMIT ?`), args...)
	cases, err := collectRows(rows, err, "list cases", scanCase)
	if err != nil || f.Destination == "" || len(cases) == 0 {
		return cases, err
	}
	// A destination's list carries its own referral of each case.
	byID := make(map[string]int, len(cases))
	ids := make([]any, 0, len(cases)+1)
	ids = append(ids, f.Destination)
	for i, c := range cases {
		byID[c.ID] = i
		ids = append(ids, c.ID)
	}
	refs, err := s.referralsOf(ctx, `destination = ? AND case_id IN (`+Placeholders(len(cases))+`)`, ids...)
	if err != nil {
		return nil, err
	}
	for _, r := range refs {
		i := byID[r.CaseID]
		cases[i].Referrals = append(cases[i].Referrals, r)
	}
	return cases, nil
}

// CaseEvents reads a case's history.
func (s *Store) CaseEvents(ctx context.Context, id string) (_ []casefile.Event, err error) {
	defer s.Guard(&err)
	return s.history(ctx, `SELECT at, actor, kind, detail FROM case_events WHERE case_id = ? ORDER BY id`, id)
}

// history reads the lines of a case's or a report's history (both kinds
// of event have the same fields).
func (s *Store) history(ctx context.Context, query, id string) ([]casefile.Event, error) {
	rows, err := s.read.QueryContext(ctx, s.rebind(query), id)
	return collectRows(rows, err, "history", func(sc scanner) (casefile.Event, error) {
		var e casefile.Event
		var at int64
		err := sc.Scan(&at, &e.Actor, &e.Kind, &e.Detail)
		e.At = fromMicros(at)
		return e, err
	})
}

func (s *Store) caseStatus(ctx context.Context, tx *sql.Tx, id string) (casefile.Status, error) {
	var status string
	err := tx.QueryRowContext(ctx, s.rebind(`SELECT status FROM cases WHERE id = ?`), id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return "", casefile.ErrNotFound
	}
	return casefile.Status(status), err
}

// AddReportsToCase puts reports into a case.
func (s *Store) AddReportsToCase(ctx context.Context, id string, ids []string, actor string) (err error) {
	defer s.Guard(&err)
	now := time.Now().UTC()
	return s.inTx(ctx, "add reports", func(tx *sql.Tx) error {
		status, err := s.caseStatus(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.attach(ctx, tx, id, status, ids, actor, now); err != nil {
			return err
		}
		if err := s.touchCase(ctx, tx, id, now); err != nil {
			return err
		}
		return s.caseEvent(ctx, tx, id, casefile.Event{At: now, Actor: actor, Kind: "reports.added", Detail: strings.Join(ids, " ")})
	})
}

func (s *Store) touchCase(ctx context.Context, tx *sql.Tx, id string, at time.Time) error {
	_, err := tx.ExecContext(ctx, s.rebind(`UPDATE cases SET updated_at = ? WHERE id = ?`), micros(at), id)
	return err
}

// RemoveReportFromCase puts a report back in the queue, with its analyst.
func (s *Store) RemoveReportFromCase(ctx context.Context, id, reportID, actor string) (err error) {
	defer s.Guard(&err)
	now := time.Now().UTC()
	return s.inTx(ctx, "remove report", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE reports SET case_id = '',
			triage = CASE WHEN assignee = '' THEN 'new' ELSE 'assigned' END,
			status = CASE WHEN assignee = '' THEN 'received' ELSE 'analysing' END
			WHERE id = ? AND case_id = ?`), reportID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return casefile.ErrNotFound
		}
		if err := s.queueNewsFor(ctx, tx, now, []string{reportID}); err != nil {
			return err
		}
		if err := s.reportEvent(ctx, tx, reportID, now, actor, "case.removed", id); err != nil {
			return err
		}
		if err := s.touchCase(ctx, tx, id, now); err != nil {
			return err
		}
		return s.caseEvent(ctx, tx, id, casefile.Event{At: now, Actor: actor, Kind: "reports.removed", Detail: reportID})
	})
}

// MergeCases moves from's reports into into and closes from as merged.
func (s *Store) MergeCases(ctx context.Context, into, from, actor string) (err error) {
	defer s.Guard(&err)
	now := time.Now().UTC()
	return s.inTx(ctx, "merge cases", func(tx *sql.Tx) error {
		status, err := s.caseStatus(ctx, tx, into)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE reports SET case_id = ?, status = ? WHERE case_id = ? AND case_id <> ''`), into, string(casefile.ReporterStatus(status)), from); err != nil {
			return err
		}
		if err := s.queueNewsOfCase(ctx, tx, now, into); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE cases SET status = 'closed', outcome = 'merged', merged_into = ?, updated_at = ? WHERE id = ?`), into, micros(now), from)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return casefile.ErrNotFound
		}
		if err := s.touchCase(ctx, tx, into, now); err != nil {
			return err
		}
		if err := s.caseEvent(ctx, tx, into, casefile.Event{At: now, Actor: actor, Kind: "merged", Detail: from}); err != nil {
			return err
		}
		if err := s.caseEvent(ctx, tx, from, casefile.Event{At: now, Actor: actor, Kind: "merged-into", Detail: into}); err != nil {
			return err
		}
		return s.reindexCase(ctx, tx, into)
	})
}

// UpdateCase writes a case's qualification and status; its reports'
// reporter-facing status follows.
func (s *Store) UpdateCase(ctx context.Context, c casefile.Case, ev casefile.Event) (err error) {
	defer s.Guard(&err)
	return s.inTx(ctx, "update case", func(tx *sql.Tx) error { return s.updateCase(ctx, tx, c, ev) })
}

func (s *Store) updateCase(ctx context.Context, tx *sql.Tx, c casefile.Case, ev casefile.Event) error {
	legal, _ := json.Marshal(c.LegalRefs)
	res, err := tx.ExecContext(ctx, s.rebind(`UPDATE cases SET title = ?, status = ?, category = ?, legal_refs = ?, summary = ?, priority = ?, outcome = ?, updated_at = ?, victim_departement = ?, reporter_country = ? WHERE id = ?`),
		c.Title, string(c.Status), c.Category, string(legal), c.Summary, c.Priority, c.Outcome, micros(c.UpdatedAt), c.VictimDepartement, c.ReporterCountry, c.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return casefile.ErrNotFound
	}
	if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE reports SET status = ? WHERE case_id = ? AND case_id <> ''`), string(casefile.ReporterStatus(c.Status)), c.ID); err != nil {
		return err
	}
	if err := s.queueNewsOfCase(ctx, tx, c.UpdatedAt, c.ID); err != nil {
		return err
	}
	if err := s.caseEvent(ctx, tx, c.ID, ev); err != nil {
		return err
	}
	return s.reindexCase(ctx, tx, c.ID)
}

// AddCaseEvent adds a line (a note) to a case's history.
func (s *Store) AddCaseEvent(ctx context.Context, id string, ev casefile.Event) (err error) {
	defer s.Guard(&err)
	return s.inTx(ctx, "case event", func(tx *sql.Tx) error {
		if _, err := s.caseStatus(ctx, tx, id); err != nil {
			return err
		}
		if err := s.caseEvent(ctx, tx, id, ev); err != nil {
			return err
		}
		if err := s.touchCase(ctx, tx, id, ev.At); err != nil {
			return err
		}
		if ev.Kind == "note" {
			return s.reindexCase(ctx, tx, id)
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

// ReferCase records referrals (once per destination; referring again to
// the same service changes nothing) and, with ev, the case's new status,
// in one transaction: a case is never left referred to some of the
// services chosen, nor recorded as referred without them.
func (s *Store) ReferCase(ctx context.Context, c casefile.Case, refs []casefile.Referral, ev *casefile.Event) (err error) {
	defer s.Guard(&err)
	return s.inTx(ctx, "refer case", func(tx *sql.Tx) error {
		if _, err := s.caseStatus(ctx, tx, c.ID); err != nil {
			return err
		}
		for _, r := range refs {
			if err := s.refer(ctx, tx, c.ID, r); err != nil {
				return err
			}
		}
		if ev == nil {
			return nil
		}
		return s.updateCase(ctx, tx, c, *ev)
	})
}

func (s *Store) refer(ctx context.Context, tx *sql.Tx, id string, r casefile.Referral) error {
	res, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO referrals (case_id, destination, at, actor, status, rule, reason, overridden, due_at)
		VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`), id, r.Destination, micros(r.At), r.Actor, string(r.Status), r.Rule, r.Reason, r.Overridden, micros0(r.DueAt))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	if r.Delivery != nil {
		if err := s.queueDelivery(ctx, tx, id, r); err != nil {
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
	return s.caseEvent(ctx, tx, id, casefile.Event{At: r.At, Actor: r.Actor, Kind: "referred", Detail: detail})
}

// UpdateReferral records a recipient's acknowledgement or outcome.
func (s *Store) UpdateReferral(ctx context.Context, id string, r casefile.Referral, ev casefile.Event) (err error) {
	defer s.Guard(&err)
	return s.inTx(ctx, "update referral", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE referrals SET status = ?, acknowledged_at = ?, outcome = ?, outcome_at = ? WHERE case_id = ? AND destination = ?`),
			string(r.Status), micros0(r.AcknowledgedAt), r.Outcome, micros0(r.OutcomeAt), id, r.Destination)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return casefile.ErrNotFound
		}
		if err := s.touchCase(ctx, tx, id, ev.At); err != nil {
			return err
		}
		return s.caseEvent(ctx, tx, id, ev)
	})
}

// LateReferrals counts the referrals past their acknowledgement deadline,
// per destination: one range of the (status, due_at) index per status.
func (s *Store) LateReferrals(ctx context.Context, now time.Time) (_ map[string]int, err error) {
	defer s.Guard(&err)
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT destination, count(*) FROM referrals
		WHERE status IN (?, ?) AND due_at > 0 AND due_at < ? GROUP BY destination`),
		string(casefile.ReferralPending), string(casefile.ReferralDelivered), micros(now))
	type late struct {
		destination string
		n           int
	}
	lines, err := collect(rows, err, "late referrals", func(sc scanner) (late, error) {
		var l late
		err := sc.Scan(&l.destination, &l.n)
		return l, err
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(lines))
	for _, l := range lines {
		out[l.destination] = l.n
	}
	return out, nil
}
