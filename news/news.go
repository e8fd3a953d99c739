// Package news tells reporters who asked for it what became of their
// report: one e-mail when it is analysed, referred or closed.
//
// Consent is given on the form (an unchecked box) and kept as a
// subscription beside the report; the address itself is the report's
// contact, sealed under the report's own data key, so a purge shreds it
// and nothing here holds it at rest. A status change writes an outbox row
// in its own transaction (the store does it wherever a report's status
// changes), and a worker on any instance claims due rows and sends them
// with retries, the way referrals are delivered: a message is never lost
// because the SMTP server was down when the analyst acted.
//
// A message says no more than the follow-up page: the receipt, the status
// and what it means, and a link to the follow-up page; never the secret,
// never the case. Each carries a one-click unsubscribe link: a signed
// token, so that no one can stop another reporter's news by guessing a
// receipt.
package news

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/report"
)

// Notifies tells whether a status is news a subscriber is sent.
func Notifies(s report.Status) bool {
	return s == report.StatusAnalysing || s == report.StatusReferred || s == report.StatusClosed
}

// Notice is one message to send, as the store hands it to the worker.
type Notice struct {
	ID       int64
	ReportID string
	Receipt  string
	Lang     string
	Status   report.Status
	// Email is read from the report's sealed contact when the notice is
	// claimed; it is never stored with the notice.
	Email    string
	Attempts int
}

// Store keeps subscriptions and the outbox.
type Store interface {
	// ClaimNews takes up to limit due notices, counts an attempt and hides
	// them for lease, atomically. Notices whose subscription was stopped,
	// or whose report no longer has an address (purged), are dropped
	// there and not returned.
	ClaimNews(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Notice, error)
	// NewsSent marks a notice sent.
	NewsSent(ctx context.Context, id int64, at time.Time) error
	// NewsFailed records an error and the next attempt, or gives up when dead.
	NewsFailed(ctx context.Context, id int64, lastError string, next time.Time, dead bool) error
	// StopNews ends the subscription of the report with this receipt and
	// drops its pending notices; false when there was none to stop.
	StopNews(ctx context.Context, receipt string, at time.Time) (bool, error)
	// Subscribed tells whether the report with this receipt has news
	// coming (a subscription not stopped).
	Subscribed(ctx context.Context, receipt string) (bool, error)
}

// Mailer sends a plain-text e-mail (delivery.Email does).
type Mailer interface {
	SendText(ctx context.Context, to, subject, body string) error
}

// Composer writes a notice's subject and body; links are absolute
// addresses built by Links.
type Composer func(n Notice, links Links) (subject, body string)

// Links are the two addresses a message gives.
type Links struct {
	FollowUp, Stop string
}

// Tokens sign unsubscribe links. The key is a server key of its own.
type Tokens struct{ key []byte }

// NewTokens signs with key.
func NewTokens(key []byte) Tokens { return Tokens{key: key} }

// Sign is the unsubscribe token of a receipt: 128 bits of HMAC-SHA256,
// base64url. It does not expire: an old e-mail's link must still work.
func (t Tokens) Sign(receipt string) string {
	m := hmac.New(sha256.New, t.key)
	m.Write([]byte("news-stop:" + report.NormaliseReceipt(receipt)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// Valid tells whether token is receipt's, in constant time.
func (t Tokens) Valid(receipt, token string) bool {
	if len(t.key) == 0 || report.NormaliseReceipt(receipt) == "" {
		return false
	}
	return hmac.Equal([]byte(t.Sign(receipt)), []byte(token))
}

// Links builds a notice's absolute links on base (the platform's public
// address). The follow-up link carries the receipt, never the secret.
func (t Tokens) Links(base, receipt, lang string) Links {
	base = strings.TrimRight(base, "/")
	q := url.Values{"receipt": {receipt}}
	s := url.Values{"receipt": {receipt}, "token": {t.Sign(receipt)}}
	if lang == "en" {
		q.Set("lang", "en")
		s.Set("lang", "en")
	}
	return Links{FollowUp: base + "/follow-up?" + q.Encode(), Stop: base + "/news/stop?" + s.Encode()}
}

// ErrBadToken is a link whose token does not match its receipt.
var ErrBadToken = errors.New("news: bad unsubscribe token")

// Service is what the portal calls.
type Service struct {
	Store  Store
	Tokens Tokens
	Now    func() time.Time
}

// Stop ends a subscription from an unsubscribe link, recording the act in
// the audit trail in the same transaction. Stopping twice is not an
// error: the person sees the same confirmation.
func (s *Service) Stop(ctx context.Context, receipt, token string) error {
	rc := report.NormaliseReceipt(receipt)
	if !s.Tokens.Valid(rc, token) {
		return ErrBadToken
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	at := now().UTC()
	// The actor is the reporter, whom Vigie does not know by name; the
	// source is the portal: their address is not kept for this.
	e := audit.Entry{At: at, Actor: "reporter", Action: "news.stop", ObjectType: "report", ObjectID: rc, Source: "portal"}
	return audit.Within(ctx, e, func(ctx context.Context) error {
		_, err := s.Store.StopNews(ctx, rc, at)
		return err
	})
}

// Worker drains the outbox.
type Worker struct {
	Store   Store
	Mailer  Mailer
	Compose Composer
	Tokens  Tokens
	// BaseURL is the platform's public address, for the links.
	BaseURL     string
	MaxAttempts int
	Lease       time.Duration
	Logger      *slog.Logger
	Now         func() time.Time
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// Backoff is the wait before attempt n+1: 1 min, 2, 4… capped at 6 h.
func Backoff(attempts int) time.Duration {
	d := time.Minute
	for i := 1; i < attempts && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}

// RunOnce sends what is due and returns how many notices it tried.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	lease := w.Lease
	if lease <= 0 {
		lease = 2 * time.Minute
	}
	batch, err := w.Store.ClaimNews(ctx, w.now(), lease, 20)
	if err != nil {
		return 0, fmt.Errorf("claim news: %w", err)
	}
	for _, n := range batch {
		subject, body := w.Compose(n, w.Tokens.Links(w.BaseURL, n.Receipt, n.Lang))
		sendErr := w.Mailer.SendText(ctx, n.Email, subject, body)
		if sendErr == nil {
			if err := w.Store.NewsSent(ctx, n.ID, w.now()); err != nil {
				return len(batch), fmt.Errorf("news sent: %w", err)
			}
			continue
		}
		max := w.MaxAttempts
		if max <= 0 {
			max = 10
		}
		dead := n.Attempts >= max
		// The error may quote the address (a refused recipient): it is
		// kept neither in the store nor in the log.
		msg := "send failed"
		var te interface{ Temporary() bool }
		if errors.As(sendErr, &te) {
			msg = "send failed (temporary)"
		}
		if err := w.Store.NewsFailed(ctx, n.ID, msg, w.now().Add(Backoff(n.Attempts)), dead); err != nil {
			return len(batch), fmt.Errorf("news failed: %w", err)
		}
		if w.Logger != nil {
			w.Logger.Warn("reporter news not sent", "notice", n.ID, "attempt", n.Attempts, "dead", dead)
		}
	}
	return len(batch), nil
}

// Run drains the outbox every interval until ctx ends.
func (w *Worker) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := w.RunOnce(ctx); err != nil && w.Logger != nil && ctx.Err() == nil {
			w.Logger.Error("news worker", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
