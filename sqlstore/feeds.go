package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/blocking"
	"github.com/vigie-platform/vigie/feed"
	"github.com/vigie-platform/vigie/indicator"
)

// feedStamp is the changed_at of a blocking request's change: the time
// of the write, in microseconds. Readers look back a margin before the
// latest stamp they saw (feed.StampMargin), so a transaction that stamped
// earlier but committed later is still read.
func feedStamp() int64 { return time.Now().UnixMicro() }

// BlocklistStamp implements feed.Store: one probe of blocking_changed.
func (s *Store) BlocklistStamp(ctx context.Context) (stamp int64, err error) {
	defer s.Guard(&err)
	// max() alone, so that SQLite reads it from the index's end.
	var v sql.NullInt64
	if err := s.read.QueryRowContext(ctx, `SELECT max(changed_at) FROM blocking_requests`).Scan(&v); err != nil {
		return 0, fmt.Errorf("blocklist stamp: %w", err)
	}
	return v.Int64, nil
}

const feedColumns = `id, url, domain, category, reviewed_at, gone_since, changed_at`

func scanFeedEntry(sc scanner) (feed.Entry, error) {
	var e feed.Entry
	var reviewed, gone int64
	err := sc.Scan(&e.ID, &e.URL, &e.Domain, &e.Category, &reviewed, &gone, &e.Changed)
	e.ApprovedAt, e.GoneSince = fromMicros(reviewed), optMicros(gone)
	return e, err
}

// ApprovedBlocking implements feed.Store: every approved row, streamed in
// no order (the reader orders them), for an instance's first load.
func (s *Store) ApprovedBlocking(ctx context.Context, fn func(feed.Entry) error) (err error) {
	defer s.Guard(&err)
	rows, err := s.read.QueryContext(ctx, `SELECT `+feedColumns+` FROM blocking_requests WHERE state = 'approved'`)
	if err != nil {
		return fmt.Errorf("approved blocking requests: %w", err)
	}
	for rows.Next() {
		e, err := scanFeedEntry(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("approved blocking requests: %w", err)
		}
		if err := fn(e); err != nil {
			rows.Close()
			return err
		}
	}
	if err := endRows(rows); err != nil {
		return fmt.Errorf("approved blocking requests: %w", err)
	}
	return nil
}

// BlocklistChanges implements feed.Store: the approved rows stamped
// after since, through blocking_changed (the state is filtered here: a
// condition on it in SQL lets SQLite prefer the state index and sort).
func (s *Store) BlocklistChanges(ctx context.Context, since int64) (_ []feed.Entry, err error) {
	defer s.Guard(&err)
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT state, `+feedColumns+` FROM blocking_requests
		WHERE changed_at > ? ORDER BY changed_at`), since)
	all, err := collectRows(rows, err, "blocklist changes", func(sc scanner) (stated, error) {
		var r stated
		var reviewed, gone int64
		err := sc.Scan(&r.state, &r.ID, &r.URL, &r.Domain, &r.Category, &reviewed, &gone, &r.Changed)
		r.ApprovedAt, r.GoneSince = fromMicros(reviewed), optMicros(gone)
		return r, err
	})
	var out []feed.Entry
	for _, r := range all {
		if r.state == blocking.StateApproved {
			out = append(out, r.Entry)
		}
	}
	return out, err
}

type stated struct {
	feed.Entry
	state string
}

// PaymentIdentifiers implements feed.Store (the rule is feed.PaymentRule's):
// the postings of the payment identifiers, joined to their reports that
// sit in a case.
func (s *Store) PaymentIdentifiers(ctx context.Context, rule feed.PaymentRule, now time.Time) (_ []feed.Payment, err error) {
	defer s.Guard(&err)
	types := make([]string, len(feed.PaymentTypes))
	args := make([]any, 0, len(types)+2)
	for i, t := range feed.PaymentTypes {
		types[i] = "?"
		args = append(args, string(t))
	}
	min := max(rule.MinReports, 1)
	args = append(args, micros(now.Add(-rule.MaxAge)), min)
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT i.type, i.value, count(DISTINCT r.id), min(ri.seen_at), max(ri.seen_at)
		FROM indicators i
		JOIN report_indicators ri ON ri.indicator_id = i.id
		JOIN reports r ON r.id = ri.report_id
		WHERE i.type IN (`+strings.Join(types, ", ")+`) AND i.flagged IS NULL
		  AND r.triage = 'in_case' AND r.case_id <> ''
		GROUP BY i.type, i.value
		HAVING max(ri.seen_at) >= ? AND count(DISTINCT r.id) >= ?
		ORDER BY i.type, i.value`), args...)
	return collectRows(rows, err, "payment identifiers", func(sc scanner) (feed.Payment, error) {
		var p feed.Payment
		var t string
		var first, last int64
		err := sc.Scan(&t, &p.Value, &p.Reports, &first, &last)
		p.Type, p.FirstSeen, p.LastSeen = indicator.Type(t), fromMicros(first), fromMicros(last)
		return p, err
	})
}

// ClaimPush implements feed.Store: the primary key lets one instance's
// insert land per period.
func (s *Store) ClaimPush(ctx context.Context, p feed.Push, at time.Time) (_ bool, err error) {
	defer s.Guard(&err)
	res, err := s.write.ExecContext(ctx, s.rebind(`INSERT INTO feed_pushes (feed, destination, slot, claimed_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (feed, destination, slot) DO NOTHING`), p.Feed, p.Destination, p.Slot, micros(at))
	if err != nil {
		return false, fmt.Errorf("claim feed push: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// PushDone implements feed.Store.
func (s *Store) PushDone(ctx context.Context, p feed.Push, at time.Time, sendErr string) (err error) {
	defer s.Guard(&err)
	_, err = s.write.ExecContext(ctx, s.rebind(`UPDATE feed_pushes SET done_at = ?, error = ? WHERE feed = ? AND destination = ? AND slot = ?`),
		micros(at), sendErr, p.Feed, p.Destination, p.Slot)
	if err != nil {
		return fmt.Errorf("feed push done: %w", err)
	}
	return nil
}
