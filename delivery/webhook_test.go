package delivery_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/internal/nodetest"

	"github.com/vigie-platform/vigie/delivery"
	"github.com/vigie-platform/vigie/safehttp"
	"github.com/vigie-platform/vigie/sqlite"
)

func loopbackWebhook() delivery.Webhook {
	return delivery.Webhook{Client: safehttp.NewClient(safehttp.Options{AllowLoopback: true, Timeout: delivery.WebhookTimeout}),
		Secret: func(string) (string, error) { return secret, nil }}
}

// TestWebhookDoesNotFollowRedirects: every 3xx is a failure and the
// place it points to is never called (a 302 followed turned the POST into
// a bodiless GET, which a 200 counted as delivered).
func TestWebhookDoesNotFollowRedirects(t *testing.T) {
	var landed atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/landing" {
			landed.Add(1)
			w.WriteHeader(http.StatusOK)
			return
		}
		code := map[string]int{"/301": 301, "/302": 302, "/303": 303, "/307": 307, "/308": 308}[r.URL.Path]
		http.Redirect(w, r, "/landing", code)
	}))
	defer receiver.Close()
	h := loopbackWebhook()
	for _, code := range []string{"301", "302", "303", "307", "308"} {
		err := h.Send(ctx, delivery.Delivery{ID: "msg_" + code, Destination: "x", Target: receiver.URL + "/" + code, Payload: []byte(`{}`)})
		if err == nil || !strings.Contains(err.Error(), code) {
			t.Errorf("a %s answer: %v, want a failure", code, err)
		}
	}
	if n := landed.Load(); n != 0 {
		t.Errorf("the redirect was followed %d times", n)
	}
}

// TestWebhookRedirectIsRetriedNotDelivered: through the queue, a receiver
// answering 302 leaves the delivery pending with its attempt counted and
// the redirect as its last error; once it answers 204 it is delivered.
func TestWebhookRedirectIsRetriedNotDelivered(t *testing.T) {
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var redirecting atomic.Bool
	redirecting.Store(true)
	var landed atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/landing" {
			landed.Add(1)
			w.WriteHeader(http.StatusOK)
			return
		}
		if redirecting.Load() {
			http.Redirect(w, r, "/landing", http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	referredCase(t, db, "webhook", receiver.URL+"/vigie")
	now := time.Now()
	w := &delivery.Worker{Store: db, Now: func() time.Time { return now }, Senders: map[string]delivery.Sender{"webhook": loopbackWebhook()}}
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if done, _ := db.Deliveries(ctx, delivery.StatusDelivered, 10); len(done) != 0 {
		t.Fatalf("a 302 was counted as delivered: %d deliveries", len(done))
	}
	pending, _ := db.Deliveries(ctx, delivery.StatusPending, 10)
	if len(pending) != 1 || pending[0].Attempts != 1 || !strings.Contains(pending[0].LastError, "redirect") {
		t.Fatalf("pending after a 302: %+v", pending)
	}
	redirecting.Store(false)
	now = now.Add(time.Hour)
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if done, _ := db.Deliveries(ctx, delivery.StatusDelivered, 10); len(done) != 1 || landed.Load() != 0 {
		t.Fatalf("after the receiver accepts: %d delivered, landing called %d times", len(done), landed.Load())
	}
}

// TestWebhookTimeout: the default is within the 15–30 s the Standard
// Webhooks specification recommends, the lease covers a batch of sends at
// that timeout, and a receiver slower than the timeout is a failure.
func TestWebhookTimeout(t *testing.T) {
	if delivery.WebhookTimeout < 15*time.Second || delivery.WebhookTimeout > 30*time.Second {
		t.Errorf("WebhookTimeout %v", delivery.WebhookTimeout)
	}
	if delivery.DefaultLease < 20*delivery.WebhookTimeout {
		t.Errorf("a batch of 20 slow sends (%v) outlasts the lease %v", 20*delivery.WebhookTimeout, delivery.DefaultLease)
	}
	release := make(chan struct{})
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	defer close(release)
	h := loopbackWebhook()
	h.Timeout = 200 * time.Millisecond
	start := time.Now()
	err := h.Send(ctx, delivery.Delivery{ID: "msg_slow", Destination: "x", Target: receiver.URL, Payload: []byte(`{}`)})
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("a receiver that never answers: %v after %v", err, time.Since(start))
	}
}

// TestSignaturesVerifyWithStandardWebhooks: requests our sender made are
// verified by the Standard Webhooks reference library (npm
// standardwebhooks, e2e/webhook-verify.mjs); the same requests with the
// body changed, or checked with another secret, are refused by it.
func TestSignaturesVerifyWithStandardWebhooks(t *testing.T) {
	e2e := nodetest.Module(t, "standardwebhooks")
	type captured struct {
		Secret  string            `json:"secret"`
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
		Expect  string            `json:"expect"`
	}
	var mu sync.Mutex
	var got []captured
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h := map[string]string{}
		for _, k := range []string{"webhook-id", "webhook-timestamp", "webhook-signature"} {
			h[k] = r.Header.Get(k)
		}
		mu.Lock()
		got = append(got, captured{Secret: secret, Headers: h, Body: base64.StdEncoding.EncodeToString(body), Expect: "valid"})
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	h := loopbackWebhook()
	for i, payload := range []string{`{"type":"referral.created","case":{"id":"0199","summary":"Faux conseiller — « 450,00 € »"}}`, `{}`, "{\"x\":\"\\u2028\\n\"}\n"} {
		if err := h.Send(ctx, delivery.Delivery{ID: "msg_" + string(rune('a'+i)), Destination: "x", Target: receiver.URL, Payload: []byte(payload)}); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 3 {
		t.Fatalf("%d requests captured", len(got))
	}
	tampered := got[0]
	tampered.Body = base64.StdEncoding.EncodeToString([]byte(`{"type":"referral.created","case":{"id":"0200"}}`))
	tampered.Expect = "invalid"
	otherKey := got[1]
	otherKey.Secret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("another secret of 24 byt"))
	otherKey.Expect = "invalid"
	got = append(got, tampered, otherKey)
	file := filepath.Join(t.TempDir(), "requests.json")
	b, _ := json.Marshal(got)
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "webhook-verify.mjs", file)
	cmd.Dir = e2e
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("the reference library does not verify our signatures as expected: %v", err)
	}
}
