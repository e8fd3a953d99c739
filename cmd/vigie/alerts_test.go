package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/alert"
	"github.com/vigie-platform/vigie/delivery"
	"github.com/vigie-platform/vigie/destination"
)

// TestOnCallNotifier: an alert reaches a webhook on-call service signed
// like referrals, with the alert's figures; a channel that cannot carry
// alerts says so.
func TestOnCallNotifier(t *testing.T) {
	var got alertMessage
	var headers http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		headers = r.Header.Clone()
		if err := json.Unmarshal(body, &got); err != nil {
			t.Errorf("body %s: %v", body, err)
		}
	}))
	defer srv.Close()
	dest := destination.Destination{Code: "astreinte", Channel: destination.Channel{Type: "webhook", URL: srv.URL, SecretEnv: "X"}}
	n := onCallNotifier{dest: dest, publicURL: "https://vigie.example/",
		webhook: delivery.Webhook{Client: srv.Client(), Secret: func(string) (string, error) { return "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", nil }}}
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	a := alert.Alert{ID: 7, Kind: alert.KindIdentifier, Subject: "iban:FR76", Label: "FR76", LastHour: 14, Baseline: 0.5, TriggerAt: at, RaisedAt: at.Add(12 * time.Second)}
	if err := n.Notify(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if got.Type != "alert.raised" || got.ID != 7 || got.LastHour != 14 || got.Link != "https://vigie.example/w/alerts" || !got.RaisedAt.Equal(a.RaisedAt) {
		t.Errorf("webhook body %+v", got)
	}
	if headers.Get("webhook-id") != "alert-7" || !strings.HasPrefix(headers.Get("webhook-signature"), "v1,") {
		t.Errorf("webhook headers %v", headers)
	}
	n.dest.Channel = destination.Channel{Type: "file", Dir: t.TempDir()}
	if err := n.Notify(context.Background(), a); err == nil || !strings.Contains(err.Error(), "cannot carry alerts") {
		t.Errorf("a file channel: %v", err)
	}
}
