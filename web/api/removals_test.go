package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/removal"
	"github.com/vigie-platform/vigie/sqlite"
	"github.com/vigie-platform/vigie/web"
	"github.com/vigie-platform/vigie/web/figures"
)

// TestRemovalTimesAPI: the times to removal per host and per network, as
// the figures page reads them, with the notices still online counted but
// not timed, and a removal after escalation counted late.
func TestRemovalTimesAPI(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sent := time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Second)
	for i, n := range []removal.Notice{
		{Recipient: "abuse@ovh.net", Network: "AS16276 OVH SAS", Status: removal.StatusRemoved, RemovedAt: sent.Add(20 * time.Minute)},
		{Recipient: "abuse@ovh.net", Network: "AS16276 OVH SAS", Status: removal.StatusRemoved, RemovedAt: sent.Add(2 * time.Hour)},
		{Recipient: "abuse@ovh.net", Network: "AS16276 OVH SAS", Status: removal.StatusEscalated, RemovedAt: sent.Add(30 * time.Hour), EscalatedAt: sent.Add(time.Hour)},
		{Host: "Hébergeur SAS", Status: removal.StatusStillOnline},
	} {
		n.ID, n.CaseID, n.URL, n.Kind, n.LegalBasis, n.SentAt, n.DueAt, n.Actor = string(rune('a'+i)), "c", "https://x.example/", "removal-order", "TCO", sent, sent.Add(time.Hour), "ana"
		if n.Host == "" {
			n.Host = n.Recipient
		}
		if err := db.CreateNotice(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	mux := http.NewServeMux()
	Mount(mux, web.NewKit(nil, nil, nil, web.Proxies{}, nil), Deps{Figures: &figures.Reader{Stats: db, Notices: db}})
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/stats/removals", nil))
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	type line struct {
		Host, Network    string
		Notices, Removed int
		MedianSeconds    int64 `json:"median_seconds"`
		P90Seconds       int64 `json:"p90_seconds"`
	}
	var got struct {
		line
		ByHost    []line `json:"by_host"`
		ByNetwork []line `json:"by_network"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Notices != 4 || got.Removed != 3 || got.MedianSeconds != 7200 || got.P90Seconds != 30*3600 {
		t.Errorf("all: %+v", got.line)
	}
	if len(got.ByHost) != 2 || got.ByHost[0].Host != "ovh.net" || got.ByHost[0].Removed != 3 || got.ByHost[1].Host != "Hébergeur SAS" || got.ByHost[1].Removed != 0 || got.ByHost[1].MedianSeconds != 0 {
		t.Errorf("per host: %+v", got.ByHost)
	}
	if len(got.ByNetwork) != 1 || got.ByNetwork[0].Network != "AS16276 OVH SAS" || got.ByNetwork[0].MedianSeconds != 7200 {
		t.Errorf("per network: %+v", got.ByNetwork)
	}
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/stats/removals?from=nope", nil))
	if rec.Code != 400 {
		t.Errorf("a bad date: %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", removal.XARFSchemaPath, nil))
	if rec.Code != 200 || rec.Body.String() != string(removal.XARFSchema) {
		t.Errorf("X-ARF schema: %d", rec.Code)
	}
}
