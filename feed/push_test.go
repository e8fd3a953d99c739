package feed_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/delivery"
	"github.com/vigie-platform/vigie/feed"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/sqlite"
	"github.com/vigie-platform/vigie/taxonomy"
)

// TestPaymentPush: instances pushing the banks' feed at the same time send
// one signed message per period (Standard Webhooks: the receiver checks
// the signature with the destination's secret), holding the fraudster's
// IBAN with its report count and not the victim's own.
func TestPaymentPush(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	in := report.NewIntake(db, db, taxonomy.Default(), []byte("k"), nil)
	var ids []string
	for i, desc := range []string{"virement vers FR7630006000011234567890189", "payé FR76 3000 6000 0112 3456 7890 189 depuis mon compte FR1420041010050500013M02606"} {
		ack, err := in.Submit(ctx, report.Submission{Category: "fraud.scam", Description: fmt.Sprint(desc, " n°", i), Anonymous: true, Channel: report.ChannelAPI, TokenName: "t"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ack.ID)
	}
	l := correlate.NewLinker(db, correlate.DefaultWarningList(), indicator.DefaultOptions, nil)
	for n := 1; n > 0; {
		if n, err = l.LinkOnce(ctx, 100); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UTC()
	if err := db.CreateCase(ctx, casefile.Case{ID: "c1", Title: "Faux conseiller", Status: casefile.StatusOpen, Priority: "normal", CreatedBy: "ana",
		CreatedAt: now, UpdatedAt: now, LegalRefs: []string{}, ReportIDs: ids}); err != nil {
		t.Fatal(err)
	}

	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	var mu sync.Mutex
	var got [][]byte
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts, _ := strconv.ParseInt(r.Header.Get("webhook-timestamp"), 10, 64)
		want, _ := delivery.Sign(secret, r.Header.Get("webhook-id"), ts, body)
		if r.Header.Get("webhook-signature") != want {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		got = append(got, body)
		mu.Unlock()
	}))
	defer receiver.Close()
	clock := now.Truncate(2 * time.Hour).Add(time.Minute) // early in a period: a minute later is the same one
	pusher := func() *feed.Pusher {
		return &feed.Pusher{Store: db, Destination: "banque", Channel: "webhook", Target: receiver.URL, Every: 2 * time.Hour,
			Rule: feed.DefaultPaymentRule, Now: func() time.Time { return clock }, Wait: time.Millisecond,
			Sender: delivery.Webhook{Client: receiver.Client(), Secret: func(string) (string, error) { return secret, nil }}}
	}
	var wg sync.WaitGroup
	sent := make(chan bool, 4)
	for range 4 { // four instances
		p := pusher()
		wg.Go(func() {
			ok, err := p.RunOnce(ctx)
			if err != nil {
				t.Error(err)
			}
			sent <- ok
		})
	}
	wg.Wait()
	close(sent)
	n := 0
	for ok := range sent {
		if ok {
			n++
		}
	}
	if n != 1 || len(got) != 1 {
		t.Fatalf("%d instances sent, the receiver got %d messages: want one", n, len(got))
	}
	var msg struct {
		Type string
		Data struct {
			Entries []struct {
				Type, Value string
				Reports     int
			}
		}
	}
	if err := json.Unmarshal(got[0], &msg); err != nil {
		t.Fatal(err)
	}
	if msg.Type != feed.PaymentEvent || len(msg.Data.Entries) != 1 || msg.Data.Entries[0].Value != "FR7630006000011234567890189" || msg.Data.Entries[0].Reports != 2 {
		t.Fatalf("message %s", got[0])
	}
	// Later in the same period: nothing; the next period: one more.
	clock = clock.Add(time.Minute)
	if ok, err := pusher().RunOnce(ctx); ok || err != nil {
		t.Fatalf("same period again: %v %v", ok, err)
	}
	clock = clock.Add(2 * time.Hour)
	if ok, err := pusher().RunOnce(ctx); !ok || err != nil || len(got) != 2 {
		t.Fatalf("next period: %v %v, %d messages", ok, err, len(got))
	}
}
