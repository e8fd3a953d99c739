package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/delivery"
	"github.com/vigie-platform/vigie/taxonomy"
)

// referToWebhook makes n qualified cases referred to a webhook destination.
func referToWebhook(t *testing.T, s Store, n int) []string {
	t.Helper()
	svc := casefile.NewService(s, taxonomy.Default(), nil)
	cat := category(t, taxonomy.Default(), "fraud.scam")
	var ids []string
	for i := 0; i < n; i++ {
		r := submitAt(t, s, "fraud.scam", "webhook", false)
		c, err := svc.Create(ctx, "Fiche", []string{r}, "ana")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Qualify(ctx, c.ID, "fraud.scam", cat.Legal[:1], "synthèse", "normal", "ana"); err != nil {
			t.Fatal(err)
		}
		ch := casefile.ReferralChoice{Destination: "partner", AckWithin: time.Hour, Channel: "webhook", Target: "https://partner.example/hook"}
		if _, err := svc.Refer(ctx, c.ID, []casefile.ReferralChoice{ch}, []string{"partner"}, "", "ana"); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	return ids
}

// countingSender fails the first failures sends, then records each id.
type countingSender struct {
	mu       sync.Mutex
	failures int
	sent     map[string]int
}

func (c *countingSender) Send(_ context.Context, d delivery.Delivery) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failures > 0 {
		c.failures--
		return errors.New("receiver down")
	}
	if c.sent == nil {
		c.sent = map[string]int{}
	}
	c.sent[d.ID]++
	return nil
}

func testDeliveries(t *testing.T, s Store) {
	cases := referToWebhook(t, s, 1)
	c, err := s.CaseByID(ctx, cases[0])
	if err != nil || len(c.Referrals) != 1 || c.Referrals[0].Status != casefile.ReferralPending {
		t.Fatalf("a webhook referral starts %+v (%v), want pending", c.Referrals, err)
	}
	pending, err := s.Deliveries(ctx, delivery.StatusPending, 10)
	if err != nil || len(pending) != 1 || pending[0].CaseID != c.ID || pending[0].Target != "https://partner.example/hook" || len(pending[0].Payload) == 0 {
		t.Fatalf("queued: %+v %v", pending, err)
	}
	now := time.Now()
	sender := &countingSender{failures: 2}
	w := &delivery.Worker{Store: s, Senders: map[string]delivery.Sender{"webhook": sender}, MaxAttempts: 3, Now: func() time.Time { return now }}
	for attempt := 1; attempt <= 2; attempt++ {
		if n, err := w.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("attempt %d: %d %v", attempt, n, err)
		}
		if n, err := w.RunOnce(ctx); err != nil || n != 0 {
			t.Fatalf("a failed delivery was retried before its backoff: %d %v", n, err)
		}
		now = now.Add(delivery.Backoff(attempt) + time.Second)
	}
	if n, err := w.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("third attempt: %d %v", n, err)
	}
	if c, err = s.CaseByID(ctx, c.ID); err != nil || c.Referrals[0].Status != casefile.ReferralDelivered || len(sender.sent) != 1 {
		t.Fatalf("after delivery: %+v (%v), sent %v", c.Referrals, err, sender.sent)
	}
	now = now.Add(24 * time.Hour)
	if n, err := w.RunOnce(ctx); err != nil || n != 0 {
		t.Fatalf("a delivered message was sent again: %d %v", n, err)
	}

	// A receiver that never answers: the delivery ends on the dead-letter list.
	referToWebhook(t, s, 1)
	down := &countingSender{failures: 1 << 30}
	w.Senders["webhook"] = down
	for i := 0; i < 5; i++ {
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		now = now.Add(7 * time.Hour)
	}
	dead, err := s.Deliveries(ctx, delivery.StatusDead, 10)
	if err != nil || len(dead) != 1 || dead[0].Attempts != 3 || dead[0].LastError != "receiver down" {
		t.Fatalf("dead letters: %+v %v", dead, err)
	}
}

// testDeliveriesOnceAcrossWorkers: several workers (instances) drain one
// queue; each message is sent exactly once.
func testDeliveriesOnceAcrossWorkers(t *testing.T, s Store) {
	referToWebhook(t, s, 30)
	sender := &countingSender{}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &delivery.Worker{Store: s, Senders: map[string]delivery.Sender{"webhook": sender}}
			for {
				n, err := w.RunOnce(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(sender.sent) != 30 {
		t.Fatalf("%d distinct messages sent, want 30", len(sender.sent))
	}
	for id, n := range sender.sent {
		if n != 1 {
			t.Errorf("message %s sent %d times", id, n)
		}
	}
}
