package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/vigie-platform/vigie/alert"
	"github.com/vigie-platform/vigie/indicator"
)

// SpreadingIdentifiers starts from the reports of the window (the
// created_at index: a few hundred reports an hour), gathers their
// identifiers, and for those named often enough counts the baseline
// period through the postings' (identifier, time) key.
func (s *Store) SpreadingIdentifiers(ctx context.Context, past, from time.Time, min int) (_ []alert.Spread, err error) {
	defer s.Guard(&err)
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT i.id, i.type, i.value, count(*), max(r.created_at)
		FROM reports r
		JOIN report_indicators ri ON ri.report_id = r.id
		JOIN indicators i ON i.id = ri.indicator_id
		WHERE r.created_at >= ? AND (i.flagged IS NULL OR i.flagged = 'cap')
		GROUP BY i.id, i.type, i.value
		HAVING count(*) >= ?`), micros(from), min)
	type candidate struct {
		id     int64
		spread alert.Spread
	}
	found, err := collect(rows, err, "spreading identifiers", func(sc scanner) (candidate, error) {
		var c candidate
		var typ string
		var latest int64
		err := sc.Scan(&c.id, &typ, &c.spread.Value, &c.spread.Recent, &latest)
		c.spread.Type, c.spread.Latest = indicator.Type(typ), fromMicros(latest)
		return c, err
	})
	if err != nil {
		return nil, err
	}
	out := make([]alert.Spread, 0, len(found))
	for _, c := range found {
		err := s.read.QueryRowContext(ctx, s.rebind(`SELECT count(*) FROM report_indicators WHERE indicator_id = ? AND seen_at >= ? AND seen_at < ?`),
			c.id, micros(past), micros(from)).Scan(&c.spread.Past)
		if err != nil {
			return nil, fmt.Errorf("baseline of %s: %w", c.spread.Value, err)
		}
		out = append(out, c.spread)
	}
	return out, nil
}

// SpreadingWaves is SpreadingIdentifiers for waves: the window's reports
// grouped by wave, then each wave's baseline through reports_wave_time.
func (s *Store) SpreadingWaves(ctx context.Context, past, from time.Time, min int) (_ []alert.Spread, err error) {
	defer s.Guard(&err)
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT wave_id, count(*), max(created_at) FROM reports
		WHERE created_at >= ? AND wave_id IS NOT NULL GROUP BY wave_id HAVING count(*) >= ?`), micros(from), min)
	found, err := collect(rows, err, "spreading waves", func(sc scanner) (alert.Spread, error) {
		var sp alert.Spread
		var latest int64
		err := sc.Scan(&sp.Wave, &sp.Recent, &latest)
		sp.Latest = fromMicros(latest)
		return sp, err
	})
	if err != nil {
		return nil, err
	}
	for i := range found {
		err := s.read.QueryRowContext(ctx, s.rebind(`SELECT count(*) FROM reports WHERE wave_id = ? AND created_at >= ? AND created_at < ?`),
			found[i].Wave, micros(past), micros(from)).Scan(&found[i].Past)
		if err != nil {
			return nil, fmt.Errorf("baseline of wave %d: %w", found[i].Wave, err)
		}
	}
	return found, nil
}

const alertColumns = `id, kind, subject, label, last_hour, baseline, trigger_at, raised_at, closed_at, closed_by, notified_at, notice_error`

func scanAlert(sc scanner) (alert.Alert, error) {
	var a alert.Alert
	var trigger, raised, closed, notified int64
	err := sc.Scan(&a.ID, &a.Kind, &a.Subject, &a.Label, &a.LastHour, &a.Baseline, &trigger, &raised, &closed, &a.ClosedBy, &notified, &a.NoticeError)
	a.TriggerAt, a.RaisedAt = fromMicros(trigger), fromMicros(raised)
	if closed != 0 {
		a.ClosedAt = fromMicros(closed)
	}
	if notified != 0 {
		a.NotifiedAt = fromMicros(notified)
	}
	return a, err
}

// RaiseAlert implements alert.Store: the open-alert unique index decides
// between instances that see the same spread.
func (s *Store) RaiseAlert(ctx context.Context, a alert.Alert, quiet time.Time) (raised bool, err error) {
	defer s.Guard(&err)
	err = s.inTx(ctx, "raise alert", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO alerts (kind, subject, label, last_hour, baseline, trigger_at, raised_at)
			SELECT CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS DOUBLE PRECISION), CAST(? AS BIGINT), CAST(? AS BIGINT)
			WHERE NOT EXISTS (SELECT 1 FROM alerts WHERE kind = ? AND subject = ? AND raised_at >= ?)
			ON CONFLICT DO NOTHING`),
			a.Kind, a.Subject, a.Label, a.LastHour, a.Baseline, micros(a.TriggerAt), micros(a.RaisedAt), a.Kind, a.Subject, micros(quiet))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		raised = n == 1
		return err
	})
	return raised, err
}

// OpenAlerts implements alert.Store.
func (s *Store) OpenAlerts(ctx context.Context, limit int) (_ []alert.Alert, err error) {
	defer s.Guard(&err)
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT `+alertColumns+` FROM alerts WHERE closed_at = 0 ORDER BY raised_at DESC, id DESC LIMIT ?`), limit)
	return collect(rows, err, "open alerts", scanAlert)
}

// CountOpenAlerts implements alert.Store.
func (s *Store) CountOpenAlerts(ctx context.Context) (n int, err error) {
	defer s.Guard(&err)
	err = s.read.QueryRowContext(ctx, `SELECT count(*) FROM alerts WHERE closed_at = 0`).Scan(&n)
	return n, err
}

// CloseAlert implements alert.Store.
func (s *Store) CloseAlert(ctx context.Context, id int64, actor string, at time.Time) (err error) {
	defer s.Guard(&err)
	return s.inTx(ctx, "close alert", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE alerts SET closed_at = ?, closed_by = ? WHERE id = ? AND closed_at = 0`), micros(at), actor, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = alert.ErrNotFound
			}
			return err
		}
		return nil
	})
}

// ClaimAlertNotices implements alert.Store: a claim is a conditional
// update, so that two instances never send the same notice at once.
func (s *Store) ClaimAlertNotices(ctx context.Context, now time.Time, lease time.Duration, limit int) (_ []alert.Alert, err error) {
	defer s.Guard(&err)
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT `+alertColumns+` FROM alerts WHERE notified_at = 0 AND notice_claim < ? ORDER BY id LIMIT ?`), micros(now), limit)
	due, err := collect(rows, err, "alert notices", scanAlert)
	if err != nil {
		return nil, err
	}
	var claimed []alert.Alert
	for _, a := range due {
		var n int64
		err := s.inTx(ctx, "claim alert notice", func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, s.rebind(`UPDATE alerts SET notice_claim = ? WHERE id = ? AND notified_at = 0 AND notice_claim < ?`),
				micros(now.Add(lease)), a.ID, micros(now))
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("claim alert notice: %w", err)
		}
		if n == 1 {
			claimed = append(claimed, a)
		}
	}
	return claimed, nil
}

// AlertNoticed implements alert.Store.
func (s *Store) AlertNoticed(ctx context.Context, id int64, at time.Time, sent bool, failure string) (err error) {
	defer s.Guard(&err)
	return s.inTx(ctx, "record alert notice", func(tx *sql.Tx) error {
		if sent {
			_, err := tx.ExecContext(ctx, s.rebind(`UPDATE alerts SET notified_at = ?, notice_error = '' WHERE id = ?`), micros(at), id)
			return err
		}
		_, err := tx.ExecContext(ctx, s.rebind(`UPDATE alerts SET notice_error = ? WHERE id = ?`), failure, id)
		return err
	})
}
