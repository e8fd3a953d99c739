package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/delivery"
)

const deliveryColumns = `id, case_id, destination, channel, target, payload, status, attempts, next_attempt_at, last_error, created_at, delivered_at`

func scanDelivery(sc interface{ Scan(...any) error }) (delivery.Delivery, error) {
	var d delivery.Delivery
	var payload string
	var next, created, done int64
	err := sc.Scan(&d.ID, &d.CaseID, &d.Destination, &d.Channel, &d.Target, &payload, &d.Status, &d.Attempts, &next, &d.LastError, &created, &done)
	d.Payload, d.NextAttemptAt, d.CreatedAt, d.DeliveredAt = []byte(payload), fromMicros(next), fromMicros(created), optMicros(done)
	return d, err
}

// queueDelivery writes a delivery in the referral's transaction.
func (w *Workspace) queueDelivery(ctx context.Context, tx *sql.Tx, caseID string, r casefile.Referral) error {
	d := r.Delivery
	_, err := tx.ExecContext(ctx, w.q.Q(`INSERT INTO deliveries (`+deliveryColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`),
		d.ID, caseID, r.Destination, d.Channel, d.Target, string(d.Payload), delivery.StatusPending, 0, micros(r.At), "", micros(r.At), 0)
	return err
}

// ClaimDeliveries implements delivery.Store.
func (w *Workspace) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]delivery.Delivery, error) {
	lock := ""
	if w.q.dialect.SkipLocked {
		lock = " FOR UPDATE SKIP LOCKED" // instances claim different deliveries
	}
	rows, err := w.write.QueryContext(ctx, w.q.Q(`UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ?
		WHERE id IN (SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`+lock+`)
		RETURNING `+deliveryColumns), micros(now.Add(lease)), micros(now), limit)
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	defer rows.Close()
	var out []delivery.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("claim deliveries: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeliverySucceeded implements delivery.Store.
func (w *Workspace) DeliverySucceeded(ctx context.Context, id string, at time.Time) error {
	return w.inTx(ctx, "delivery done", func(tx *sql.Tx) error {
		var caseID, dest string
		err := tx.QueryRowContext(ctx, w.q.Q(`UPDATE deliveries SET status = 'delivered', delivered_at = ? WHERE id = ? AND status = 'pending' RETURNING case_id, destination`),
			micros(at), id).Scan(&caseID, &dest)
		if err == sql.ErrNoRows {
			return nil // already recorded
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, w.q.Q(`UPDATE referrals SET status = 'delivered' WHERE case_id = ? AND destination = ? AND status = 'pending'`), caseID, dest); err != nil {
			return err
		}
		return w.caseEvent(ctx, tx, caseID, casefile.Event{At: at, Actor: "vigie", Kind: "delivered", Detail: dest})
	})
}

// DeliveryFailed implements delivery.Store.
func (w *Workspace) DeliveryFailed(ctx context.Context, id, lastError string, next time.Time, dead bool) error {
	status := delivery.StatusPending
	if dead {
		status = delivery.StatusDead
	}
	_, err := w.write.ExecContext(ctx, w.q.Q(`UPDATE deliveries SET last_error = ?, next_attempt_at = ?, status = ? WHERE id = ? AND status = 'pending'`),
		lastError, micros(next), status, id)
	if err != nil {
		return fmt.Errorf("delivery failed: %w", err)
	}
	return nil
}

// Deliveries implements delivery.Store.
func (w *Workspace) Deliveries(ctx context.Context, status string, limit int) ([]delivery.Delivery, error) {
	rows, err := w.read.QueryContext(ctx, w.q.Q(`SELECT `+deliveryColumns+` FROM deliveries WHERE status = ? ORDER BY created_at LIMIT ?`), status, limit)
	if err != nil {
		return nil, fmt.Errorf("deliveries: %w", err)
	}
	defer rows.Close()
	var out []delivery.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
