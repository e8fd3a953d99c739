package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/vigie-platform/vigie/delivery"
	"github.com/vigie-platform/vigie/safehttp"
	"github.com/vigie-platform/vigie/sqlite"
)

// TestWebhookAllowLoopbackFlag: without --webhook-allow-loopback the
// webhook client refuses a receiver on this machine; with it, it reaches
// it, and serve says so loudly in its log.
func TestWebhookAllowLoopbackFlag(t *testing.T) {
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer receiver.Close()
	send := func(allow bool) error {
		h := delivery.Webhook{Client: webhookClient(allow), Secret: func(string) (string, error) { return "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", nil }}
		return h.Send(context.Background(), delivery.Delivery{ID: "msg_1", Destination: "x", Target: receiver.URL, Payload: []byte(`{}`)})
	}
	if err := send(false); !errors.Is(err, safehttp.ErrForbiddenAddress) {
		t.Errorf("without the flag: %v, want the SSRF guard's refusal", err)
	}
	if err := send(true); err != nil {
		t.Errorf("with the flag: %v", err)
	}
	if testing.Short() {
		return
	}
	const warning = "SSRF GUARD RELAXED"
	plain := startServer(t, []string{"--data", t.TempDir()})
	if strings.Contains(plain.logs.String(), warning) {
		t.Error("serve warns without the flag")
	}
	relaxed := startServer(t, []string{"--data", t.TempDir()}, "--webhook-allow-loopback")
	if !strings.Contains(relaxed.logs.String(), warning) {
		t.Errorf("serve --webhook-allow-loopback does not say so:\n%s", relaxed.logs)
	}
}

// TestInstallationNamespace: derived from the store's key, the same on
// every opening of one store and different on another; --export-namespace
// replaces it and must be a UUID.
func TestInstallationNamespace(t *testing.T) {
	ctx := context.Background()
	namespace := func(dir, given string) (uuid.UUID, error) {
		db, err := sqlite.Open(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		return installationNamespace(ctx, db, given)
	}
	dir := t.TempDir()
	first, err := namespace(dir, "")
	if err != nil || first == uuid.Nil {
		t.Fatalf("%v %v", first, err)
	}
	again, _ := namespace(dir, "")
	other, _ := namespace(t.TempDir(), "")
	if again != first || other == first {
		t.Errorf("namespaces: %v, reopened %v, another store %v", first, again, other)
	}
	given := "3f0c1a52-9f1e-4c4b-8a57-0d6f3e2b9c11"
	if ns, err := namespace(dir, given); err != nil || ns.String() != given {
		t.Errorf("--export-namespace %s: %v %v", given, ns, err)
	}
	for _, bad := range []string{"installation-1", uuid.Nil.String()} {
		if _, err := namespace(dir, bad); err == nil {
			t.Errorf("--export-namespace %q accepted", bad)
		}
	}
}
