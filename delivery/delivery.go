// Package delivery sends referrals to destinations that are not reached
// through Vigie's own inbox: signed webhooks (the Standard Webhooks
// convention) and file exports. Deliveries are queued in the referral's
// transaction; any instance's worker claims due ones with SKIP LOCKED (or
// SQLite's single writer), so each is sent by one worker at a time, and
// retried with backoff until it succeeds or lands on the dead-letter list.
package delivery

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/safehttp"
)

// Statuses of a delivery.
const (
	StatusPending   = "pending"
	StatusDelivered = "delivered"
	StatusDead      = "dead"
)

// Delivery is one referral to send.
type Delivery struct {
	ID            string // the webhook-id: receivers deduplicate on it
	CaseID        string
	Destination   string
	Channel       string // webhook, file
	Target        string // URL or folder
	Payload       []byte
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	DeliveredAt   time.Time
}

// Store keeps the queue.
type Store interface {
	// ClaimDeliveries takes up to limit pending deliveries that are due,
	// counts an attempt and hides them for lease, atomically: a worker
	// elsewhere will not claim them meanwhile.
	ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Delivery, error)
	// DeliverySucceeded marks a delivery done and its referral delivered.
	DeliverySucceeded(ctx context.Context, id string, at time.Time) error
	// DeliveryFailed records an error and the next attempt, or the
	// dead-letter list when dead.
	DeliveryFailed(ctx context.Context, id, lastError string, next time.Time, dead bool) error
	// Deliveries lists deliveries in a status, oldest first.
	Deliveries(ctx context.Context, status string, limit int) ([]Delivery, error)
}

// Sender sends one delivery.
type Sender interface {
	Send(ctx context.Context, d Delivery) error
}

// Worker drains the queue.
type Worker struct {
	Store       Store
	Senders     map[string]Sender
	MaxAttempts int
	Lease       time.Duration
	Logger      *slog.Logger
	Now         func() time.Time
}

// WebhookTimeout bounds one webhook request, from dialling to the end of
// the receiver's answer. The Standard Webhooks specification recommends
// 15 to 30 s; 20 s leaves a receiver that writes the message to its
// database before answering room for a slow moment, while a dead one
// holds the queue no longer than that.
const WebhookTimeout = 20 * time.Second

// batch is how many deliveries a worker claims at once.
const batch = 20

// DefaultLease hides a claimed batch from other workers long enough for
// every send of it to reach the webhook timeout, so that a slow batch is
// never claimed and sent twice.
const DefaultLease = batch*WebhookTimeout + time.Minute

// Backoff is the wait before attempt n+1: 30 s, 1 min, 2 min… capped at 6 h.
func Backoff(attempts int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempts && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}

// RunOnce sends what is due and returns how many deliveries it tried.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	now := w.now()
	lease := w.Lease
	if lease <= 0 {
		lease = DefaultLease
	}
	claimed, err := w.Store.ClaimDeliveries(ctx, now, lease, batch)
	if err != nil {
		return 0, err
	}
	for _, d := range claimed {
		sender, ok := w.Senders[d.Channel]
		var sendErr error
		if !ok {
			sendErr = fmt.Errorf("no sender for channel %q", d.Channel)
		} else {
			sendErr = sender.Send(ctx, d)
		}
		if sendErr == nil {
			if err := w.Store.DeliverySucceeded(ctx, d.ID, w.now()); err != nil {
				return len(claimed), err
			}
			continue
		}
		max := w.MaxAttempts
		if max <= 0 {
			max = 10
		}
		dead := d.Attempts >= max
		msg := sendErr.Error()
		if len(msg) > 500 {
			msg = msg[:500]
		}
		if err := w.Store.DeliveryFailed(ctx, d.ID, msg, w.now().Add(Backoff(d.Attempts)), dead); err != nil {
			return len(claimed), err
		}
		if w.Logger != nil {
			w.Logger.Warn("delivery failed", "delivery", d.ID, "destination", d.Destination, "attempt", d.Attempts, "dead", dead, "err", msg)
		}
	}
	return len(claimed), nil
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// Run drains the queue every interval until ctx ends.
func (w *Worker) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := w.RunOnce(ctx); err != nil && w.Logger != nil && ctx.Err() == nil {
			w.Logger.Error("delivery worker", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sign computes a Standard Webhooks signature: base64 of HMAC-SHA256 over
// "id.timestamp.body" with the secret (given as "whsec_" + base64, or raw).
func Sign(secret, id string, ts int64, body []byte) (string, error) {
	key := []byte(secret)
	if s, ok := strings.CutPrefix(secret, "whsec_"); ok {
		k, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return "", fmt.Errorf("webhook secret: %w", err)
		}
		key = k
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%d.", id, ts)
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// Webhook posts deliveries as signed JSON.
type Webhook struct {
	// Client sends (safehttp's, in production); its redirect policy is
	// replaced: a webhook never follows one.
	Client *http.Client
	// Secret returns a destination's signing secret.
	Secret func(destination string) (string, error)
	Now    func() time.Time
	// Timeout bounds each request; WebhookTimeout when zero.
	Timeout time.Duration
}

// errRedirect is what a 3xx answer is: the Standard Webhooks
// specification counts it as a failure, and following it would turn the
// POST into a bodiless GET (302, 303) that a 200 would count as delivered.
var errRedirect = errors.New("receiver answered a redirect, which is not followed")

// Send posts one delivery. Only a 2xx answer is success; a redirect, an
// error status or a timeout is a failure, retried with backoff.
func (h Webhook) Send(ctx context.Context, d Delivery) error {
	secret, err := h.Secret(d.Destination)
	if err != nil {
		return err
	}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	ts := now().Unix()
	sig, err := Sign(secret, d.ID, ts, d.Payload)
	if err != nil {
		return err
	}
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = WebhookTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := *h.Client
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Target, bytes.NewReader(d.Payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("webhook-id", d.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	safehttp.ReadCapped(resp.Body, 4<<10)
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		return fmt.Errorf("%w: %s to %q", errRedirect, resp.Status, resp.Header.Get("Location"))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("receiver answered %s", resp.Status)
	}
	return nil
}

// File writes each delivery as <id>.json in the target folder, atomically
// (written, synced, then renamed), for services that collect files.
type File struct{}

// Send writes one delivery.
func (File) Send(_ context.Context, d Delivery) error {
	if d.Target == "" || strings.ContainsAny(d.ID, `/\`) {
		return errors.New("file delivery: no folder, or a bad id")
	}
	if err := os.MkdirAll(d.Target, 0o700); err != nil {
		return err
	}
	final := filepath.Join(d.Target, d.ID+".json")
	tmp, err := os.CreateTemp(d.Target, ".vigie-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(d.Payload); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), final)
}
