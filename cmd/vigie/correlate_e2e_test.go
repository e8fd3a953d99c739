package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestCorrelationAPI(t *testing.T) {
	forEachStore(t, func(t *testing.T, storeArgs []string) {
		srv := startServer(t, storeArgs)
		writer := srv.token("hotline")
		analyst := srv.token("analyst-tool", "--scopes", "indicators:read")
		var ids []string
		for i, desc := range []string{
			"Payé 300 € sur FR76 3000 6000 0112 3456 7890 189",
			"Même arnaque, IBAN FR7630006000011234567890189, il appelle du 06 55 44 33 22",
			"Le 06.55.44.33.22 m'a harcelé",
			"Aucun rapport",
		} {
			body, _ := json.Marshal(map[string]any{"category": "fraud.scam", "description": desc,
				"urls": []string{fmt.Sprintf("https://boutique-%d.fr/", i)}})
			res := srv.do("POST", "/api/v1/reports", "application/json", bytes.NewReader(body), bearer(writer))
			if res.status != 201 {
				t.Fatalf("%d %s", res.status, res.body)
			}
			ids = append(ids, res.json(t)["id"].(string))
		}
		acked := time.Now()
		// Linked within one second of the last acknowledgement.
		var res response
		for {
			res = srv.do("GET", "/api/v1/indicators/iban/"+url.PathEscape("FR76 3000 6000 0112 3456 7890 189"), "", nil, bearer(analyst))
			if res.status == 200 && res.json(t)["count"].(float64) == 2 {
				break
			}
			if time.Since(acked) > time.Second {
				t.Fatalf("not linked within 1 s: %d %s", res.status, res.body)
			}
			time.Sleep(20 * time.Millisecond)
		}
		for time.Since(acked) < 2*time.Second {
			if p := srv.do("GET", "/api/v1/indicators/phone?value="+url.QueryEscape("+33655443322"), "", nil, bearer(analyst)); p.status == 200 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		var page struct {
			Count      int
			Reports    []string
			NextCursor string    `json:"next_cursor"`
			FirstSeen  time.Time `json:"first_seen"`
		}
		json.Unmarshal(res.body, &page)
		if len(page.Reports) != 2 || page.Reports[0] != ids[1] || page.FirstSeen.IsZero() {
			t.Errorf("iban page = %+v", page)
		}
		p1 := srv.do("GET", "/api/v1/indicators/iban/FR7630006000011234567890189?limit=1", "", nil, bearer(analyst))
		json.Unmarshal(p1.body, &page)
		p2 := srv.do("GET", "/api/v1/indicators/iban/FR7630006000011234567890189?limit=1&cursor="+page.NextCursor, "", nil, bearer(analyst))
		var page2 struct{ Reports []string }
		json.Unmarshal(p2.body, &page2)
		if len(page.Reports) != 1 || len(page2.Reports) != 1 || page2.Reports[0] != ids[0] {
			t.Errorf("paging: %s / %s", p1.body, p2.body)
		}

		rel := srv.do("GET", "/api/v1/reports/"+ids[1]+"/related", "", nil, bearer(analyst))
		var related struct {
			Indicators []struct {
				Type  string
				Value string
				Count int
			}
			Related []struct {
				ReportID string `json:"report_id"`
			}
			Cluster struct{ Reports []string }
		}
		json.Unmarshal(rel.body, &related)
		if rel.status != 200 || len(related.Related) != 2 || len(related.Cluster.Reports) != 3 {
			t.Errorf("related: %d %s", rel.status, rel.body)
		}
		if !strings.Contains(string(rel.body), `"count":2`) {
			t.Errorf("identifier counts missing: %s", rel.body)
		}

		for _, c := range []struct {
			path, token string
			status      int
		}{
			{"/api/v1/indicators/iban/FR7630006000011234567890189", writer, 403},
			{"/api/v1/indicators/iban/FR7630006000011234567890189", "", 401},
			{"/api/v1/reports/" + ids[0] + "/related", writer, 403},
			{"/api/v1/indicators/iban/FR7630006000011234567890188", analyst, 400},
			{"/api/v1/indicators/colour/red", analyst, 400},
			{"/api/v1/indicators/iban/DE89370400440532013000", analyst, 404},
			{"/api/v1/indicators/iban/FR7630006000011234567890189?cursor=zzz", analyst, 400},
			{"/api/v1/indicators/iban/FR7630006000011234567890189?limit=5000", analyst, 400},
			{"/api/v1/reports/nope/related", analyst, 404},
		} {
			h := map[string]string{}
			if c.token != "" {
				h = bearer(c.token)
			}
			if r := srv.do("GET", c.path, "", nil, h); r.status != c.status {
				t.Errorf("GET %s = %d, want %d: %s", c.path, r.status, c.status, r.body)
			}
		}
	})
}

func TestCorrelateCommands(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, []string{"--data", dir})
	tok := srv.token("w")
	for range 3 {
		srv.do("POST", "/api/v1/reports", "application/json", strings.NewReader(`{"category":"fraud.scam","description":"appelez le 06 55 44 33 22"}`), bearer(tok))
	}
	srv.stop()
	out := vigie(t, "correlate", "rebuild", "--data", dir)
	if !strings.Contains(out, "from 3 reports") {
		t.Errorf("rebuild: %q", out)
	}
	stats := vigie(t, "correlate", "stats", "--data", dir)
	if !strings.Contains(stats, "+33655443322") || !strings.Contains(stats, "waiting to be linked: 0") {
		t.Errorf("stats:\n%s", stats)
	}
}
