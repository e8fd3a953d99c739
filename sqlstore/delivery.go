package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/delivery"
)

const deliveryColumns = `id, case_id, destination, channel, target, payload, status, attempts, next_attempt_at, last_error, created_at, delivered_at`

func scanDelivery(sc scanner) (delivery.Delivery, error) {
	var d delivery.Delivery
	var payload string
	var next, created, done int64
	err := sc.Scan(&d.ID, &d.CaseID, &d.Destination, &d.Channel, &d.Target, &payload, &d.Status, &d.Attempts, &next, &d.LastError, &created, &done)
	d.Payload, d.NextAttemptAt, d.CreatedAt, d.DeliveredAt = []byte(payload), fromMicros(next), fromMicros(created), optMicros(done)
	return d, err
}

// queueDelivery writes a delivery in the referral's transaction.
func (s *Store) queueDelivery(ctx context.Context, tx *sql.Tx, caseID string, r casefile.Referral) error {
	d := r.Delivery
	_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO deliveries (`+deliveryColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`),
		d.ID, caseID, r.Destination, d.Channel, d.Target, string(d.Payload), delivery.StatusPending, 0, micros(r.At), "", micros(r.At), 0)
	return err
}

// ClaimDeliveries implements delivery.Store. The claim skips deliveries
// that a worker on another instance holds: instances claim different ones.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) (out []delivery.Delivery, err error) {
	defer s.Guard(&err)
	err = s.inTxOutcome(ctx, "claim deliveries", func(tx *sql.Tx) (audit.Outcome, error) {
		rows, err := tx.QueryContext(ctx, s.rebind(`UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ?
			WHERE id IN (SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`+s.engine.ClaimSuffix("")+`)
			RETURNING `+deliveryColumns), micros(now.Add(lease)), micros(now), limit)
		if err != nil {
			return audit.Outcome{}, err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDelivery(rows)
			if err != nil {
				return audit.Outcome{}, err
			}
			out = append(out, d)
		}
		return audit.Outcome{Changed: len(out)}, rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeliverySucceeded implements delivery.Store.
func (s *Store) DeliverySucceeded(ctx context.Context, id string, at time.Time) (err error) {
	defer s.Guard(&err)
	return s.inTx(ctx, "delivery done", func(tx *sql.Tx) error {
		var caseID, dest string
		err := tx.QueryRowContext(ctx, s.rebind(`UPDATE deliveries SET status = 'delivered', delivered_at = ? WHERE id = ? AND status = 'pending' RETURNING case_id, destination`),
			micros(at), id).Scan(&caseID, &dest)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // already recorded
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE referrals SET status = 'delivered' WHERE case_id = ? AND destination = ? AND status = 'pending'`), caseID, dest); err != nil {
			return err
		}
		return s.caseEvent(ctx, tx, caseID, casefile.Event{At: at, Actor: "vigie", Kind: "delivered", Detail: dest})
	})
}

// DeliveryFailed implements delivery.Store.
func (s *Store) DeliveryFailed(ctx context.Context, id, lastError string, next time.Time, dead bool) (err error) {
	defer s.Guard(&err)
	status := delivery.StatusPending
	if dead {
		status = delivery.StatusDead
	}
	return s.execOne(ctx, "delivery failed", nil, `UPDATE deliveries SET last_error = ?, next_attempt_at = ?, status = ? WHERE id = ? AND status = 'pending'`,
		lastError, micros(next), status, id)
}

// Deliveries implements delivery.Store.
func (s *Store) Deliveries(ctx context.Context, status string, limit int) (_ []delivery.Delivery, err error) {
	defer s.Guard(&err)
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT `+deliveryColumns+` FROM deliveries WHERE status = ? ORDER BY created_at LIMIT ?`), status, limit)
	return collectRows(rows, err, "deliveries", scanDelivery)
}
