package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestFeedsServed: `vigie serve` mounts the feeds and TAXII; a token made
// with `vigie token create --scopes feeds:read` reads them (bearer or
// Basic), one without the scope gets 403, none 401.
func TestFeedsServed(t *testing.T) {
	srv := startServer(t, []string{"--data", t.TempDir()}, "--rpz-zone", "rpz.e2e.", "--feed-grace", "24h")
	feeds := srv.token("fai", "--scopes", "feeds:read")
	other := srv.token("plateforme")
	get := func(path string, set func(*http.Request)) (int, string) {
		t.Helper()
		r, _ := http.NewRequest("GET", srv.base+path, nil)
		set(r)
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	bearer := func(tok string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
	}
	if code, body := get("/feeds/blocklist.rpz", bearer(feeds)); code != 200 || !strings.HasPrefix(body, "$ORIGIN rpz.e2e.\n") || !strings.Contains(body, "@ NS localhost.") {
		t.Errorf("zone: %d %q", code, body)
	}
	if code, body := get("/taxii2/", func(r *http.Request) {
		r.SetBasicAuth("fai", feeds)
		r.Header.Set("Accept", "application/taxii+json;version=2.1")
	}); code != 200 || !strings.Contains(body, `"api_roots":["http://`) {
		t.Errorf("discovery: %d %s", code, body)
	}
	if code, body := get("/feeds/payments.csv", bearer(other)); code != 403 || !strings.Contains(body, "feeds:read") {
		t.Errorf("without the scope: %d %s", code, body)
	}
	if code, _ := get("/feeds/blocklist.txt", func(*http.Request) {}); code != 401 {
		t.Errorf("without a token: %d", code)
	}
}
