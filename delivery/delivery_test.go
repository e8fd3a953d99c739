package delivery_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/delivery"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/safehttp"
	"github.com/vigie-platform/vigie/sqlite"
	"github.com/vigie-platform/vigie/taxonomy"
)

var ctx = context.Background()

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// verify checks a Standard Webhooks signature independently of Sign.
func verify(r *http.Request, body []byte) error {
	id, ts, sig := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature")
	if id == "" || ts == "" || sig == "" {
		return fmt.Errorf("missing headers")
	}
	t, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(t, 0)).Abs() > 5*time.Minute {
		return fmt.Errorf("bad timestamp %q", ts)
	}
	key, _ := base64.StdEncoding.DecodeString(secret[len("whsec_"):])
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return fmt.Errorf("signature %q, want %q", sig, want)
	}
	return nil
}

func referredCase(t *testing.T, db *sqlite.DB, channel, target string) casefile.Case {
	t.Helper()
	intake := report.NewIntake(db, db, taxonomy.Default(), []byte("k"), nil)
	ack, err := intake.Submit(ctx, report.Submission{Category: "fraud.scam", Description: "Camille Durand, faux conseiller", Anonymous: false,
		Name: "Camille Durand", Email: "camille@example.fr", Channel: report.ChannelWeb})
	if err != nil {
		t.Fatal(err)
	}
	svc := casefile.NewService(db, taxonomy.Default(), nil)
	c, err := svc.Create(ctx, "Faux conseiller", []string{ack.ID}, "ana")
	if err != nil {
		t.Fatal(err)
	}
	cat, _ := taxonomy.Default().Lookup("fraud.scam")
	if _, err := svc.Qualify(ctx, c.ID, "fraud.scam", cat.Legal[:1], "Escroquerie au faux conseiller", "high", "ana"); err != nil {
		t.Fatal(err)
	}
	ch := casefile.ReferralChoice{Destination: "partner-police", Rule: "scams", Reason: "r", AckWithin: time.Hour, Channel: channel, Target: target}
	if _, err := svc.Refer(ctx, c.ID, []casefile.ReferralChoice{ch}, []string{"partner-police"}, "", "ana"); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestWebhookRetriesUntilAccepted: the receiver fails at first, then
// accepts; every request is signed; the message is accepted once.
func TestWebhookRetriesUntilAccepted(t *testing.T) {
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mu sync.Mutex
	calls, accepted := 0, map[string]int{}
	var lastBody []byte
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		calls++
		if err := verify(r, body); err != nil {
			t.Errorf("call %d: %v", calls, err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if calls <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		accepted[r.Header.Get("webhook-id")]++
		lastBody = body
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	c := referredCase(t, db, "webhook", receiver.URL+"/vigie")

	now := time.Now()
	w := &delivery.Worker{Store: db, Now: func() time.Time { return now }, Senders: map[string]delivery.Sender{
		"webhook": delivery.Webhook{Client: safehttp.NewClient(safehttp.Options{AllowLoopback: true}), Secret: func(string) (string, error) { return secret, nil }},
	}}
	for i := 0; i < 6; i++ {
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		now = now.Add(10 * time.Minute)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 3 || len(accepted) != 1 {
		t.Fatalf("%d calls, accepted %v; want 2 failures then one acceptance", calls, accepted)
	}
	for id, n := range accepted {
		if n != 1 {
			t.Errorf("message %s accepted %d times", id, n)
		}
	}
	var msg struct {
		Type string
		Case struct{ ID, Category, Summary string }
	}
	if err := json.Unmarshal(lastBody, &msg); err != nil || msg.Type != "referral.created" || msg.Case.ID != c.ID || msg.Case.Category != "fraud.scam" {
		t.Fatalf("payload %s: %v", lastBody, err)
	}
	if strings.Contains(string(lastBody), "Camille") || strings.Contains(string(lastBody), "camille@example.fr") {
		t.Error("the webhook carries the reporter's identity")
	}
	got, _ := db.CaseByID(ctx, c.ID)
	if got.Referrals[0].Status != casefile.ReferralDelivered {
		t.Errorf("referral %q after delivery", got.Referrals[0].Status)
	}
}

// TestWebhookRefusesPrivateTargets: the production client never posts to
// an internal address, whatever the destinations file says.
func TestWebhookRefusesPrivateTargets(t *testing.T) {
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	defer receiver.Close()
	h := delivery.Webhook{Client: safehttp.NewClient(safehttp.Options{}), Secret: func(string) (string, error) { return secret, nil }}
	err := h.Send(ctx, delivery.Delivery{ID: "msg_1", Destination: "x", Target: receiver.URL, Payload: []byte(`{}`)})
	if err == nil {
		t.Fatal("a webhook was posted to a loopback address")
	}
}

func TestFileDelivery(t *testing.T) {
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dir := filepath.Join(t.TempDir(), "exports")
	referredCase(t, db, "file", dir)
	w := &delivery.Worker{Store: db, Senders: map[string]delivery.Sender{"file": delivery.File{}}}
	if n, err := w.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("%d %v", n, err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "msg_*.json"))
	if len(files) != 1 {
		t.Fatalf("files: %v", files)
	}
	b, _ := os.ReadFile(files[0])
	if !json.Valid(b) {
		t.Fatalf("not JSON: %s", b)
	}
}

func TestSignIsStandardWebhooks(t *testing.T) {
	// The example of the Standard Webhooks specification.
	got, err := delivery.Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`))
	if err != nil || got != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" {
		t.Fatalf("Sign = %q %v", got, err)
	}
	if _, err := delivery.Sign("whsec_!!!", "m", 1, nil); err == nil {
		t.Error("a malformed secret was accepted")
	}
}
