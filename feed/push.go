package feed

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/vigie-platform/vigie/delivery"
)

// Pusher sends the banks' feed to a destination every Every, signed like
// every webhook (delivery.Webhook: Standard Webhooks). Every instance
// runs one; the period's row in the store (ClaimPush) lets one instance
// send each period's push, so that the receiver gets it once.
type Pusher struct {
	Store       Store
	Sender      delivery.Sender
	Destination string // its code in the registry
	Channel     string // webhook or file
	Target      string // the URL (or folder)
	Every       time.Duration
	Rule        PaymentRule
	Logger      *slog.Logger
	Now         func() time.Time
	// Attempts bounds the sends of one period (0: 3); a period that
	// failed them all is left, as the next one carries the whole feed.
	Attempts int
	// Wait is the pause between attempts (0: 30 s).
	Wait time.Duration
}

func (p *Pusher) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// RunOnce pushes the current period's feed if no instance did; it
// reports whether this instance sent it.
func (p *Pusher) RunOnce(ctx context.Context) (bool, error) {
	now := p.now()
	slot := now.Unix() / int64(max(p.Every/time.Second, 1))
	push := Push{Feed: Payments, Destination: p.Destination, Slot: slot}
	claimed, err := p.Store.ClaimPush(ctx, push, now)
	if err != nil || !claimed {
		return false, err
	}
	ps, err := p.Store.PaymentIdentifiers(ctx, p.Rule, now)
	if err != nil {
		p.Store.PushDone(ctx, push, p.now(), err.Error())
		return false, err
	}
	body, err := PaymentsJSON(ps, p.Rule, now)
	if err != nil {
		return false, err
	}
	// The webhook-id names the period: a receiver deduplicates on it.
	d := delivery.Delivery{ID: "payments-" + p.Destination + "-" + strconv.FormatInt(slot, 10), Destination: p.Destination,
		Channel: p.Channel, Target: p.Target, Payload: body, CreatedAt: now}
	attempts, wait := p.Attempts, p.Wait
	if attempts <= 0 {
		attempts = 3
	}
	if wait <= 0 {
		wait = 30 * time.Second
	}
	var sendErr error
	for i := range attempts {
		if i > 0 {
			select {
			case <-ctx.Done():
				return false, ctx.Err()
			case <-time.After(wait):
			}
		}
		if sendErr = p.Sender.Send(ctx, d); sendErr == nil {
			break
		}
	}
	msg := ""
	if sendErr != nil {
		msg = sendErr.Error()
		if len(msg) > 500 {
			msg = msg[:500]
		}
	}
	if err := p.Store.PushDone(ctx, push, p.now(), msg); err != nil {
		return true, err
	}
	if sendErr != nil {
		return false, fmt.Errorf("push payment identifiers to %s: %w", p.Destination, sendErr)
	}
	if p.Logger != nil {
		p.Logger.Info("payment identifiers pushed", "destination", p.Destination, "entries", len(ps))
	}
	return true, nil
}

// Run pushes every period until ctx ends, looking each check (a minute
// at most) whether a new period began.
func (p *Pusher) Run(ctx context.Context, check time.Duration) {
	t := time.NewTicker(check)
	defer t.Stop()
	for {
		if _, err := p.RunOnce(ctx); err != nil && p.Logger != nil {
			p.Logger.Error("payment identifiers feed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
