package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/feed"
	"github.com/vigie-platform/vigie/indicator"
)

// BlocklistMarker implements feed.Store: one pass over the approved rows'
// partial index (blocking_approved) and their gone_since.
func (s *Store) BlocklistMarker(ctx context.Context) (m feed.Marker, err error) {
	defer s.Guard(&err)
	err = s.read.QueryRowContext(ctx, `SELECT count(*), coalesce(max(reviewed_at), 0), coalesce(max(gone_since), 0),
		coalesce(sum(gone_since / 1000000), 0), coalesce(sum(CASE WHEN gone_since > 0 THEN 1 ELSE 0 END), 0)
		FROM blocking_requests WHERE state = 'approved'`).Scan(&m.Count, &m.MaxReviewed, &m.MaxGone, &m.GoneSum, &m.GoneCount)
	if err != nil {
		return m, fmt.Errorf("blocklist marker: %w", err)
	}
	return m, nil
}

const feedColumns = `id, url, domain, category, reviewed_at, gone_since`

func scanFeedEntry(sc scanner) (feed.Entry, error) {
	var e feed.Entry
	var reviewed, gone int64
	err := sc.Scan(&e.ID, &e.URL, &e.Domain, &e.Category, &reviewed, &gone)
	e.ApprovedAt, e.GoneSince = fromMicros(reviewed), optMicros(gone)
	return e, err
}

// ApprovedBlocking implements feed.Store: the rows stream in the order of
// the partial index, so a million of them are read without a sort and
// without holding them all.
func (s *Store) ApprovedBlocking(ctx context.Context, fn func(feed.Entry) error) (err error) {
	defer s.Guard(&err)
	rows, err := s.read.QueryContext(ctx, `SELECT `+feedColumns+` FROM blocking_requests WHERE state = 'approved' ORDER BY reviewed_at, id`)
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

// ApprovedBlockingAfter implements feed.Store.
func (s *Store) ApprovedBlockingAfter(ctx context.Context, after time.Time, afterID string, limit int) (_ []feed.Entry, err error) {
	defer s.Guard(&err)
	at := int64(0)
	if !after.IsZero() {
		at = micros(after)
	}
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT `+feedColumns+` FROM blocking_requests
		WHERE state = 'approved' AND (reviewed_at > ? OR (reviewed_at = ? AND id > ?)) ORDER BY reviewed_at, id LIMIT ?`), at, at, afterID, limit)
	return collectRows(rows, err, "approved blocking requests page", scanFeedEntry)
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
