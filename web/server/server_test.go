package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/advice"
	"github.com/vigie-platform/vigie/apitoken"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/destination"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/taxonomy"
	"github.com/vigie-platform/vigie/web"
	"github.com/vigie-platform/vigie/web/webtest"
)

// newEnv is the whole server on a real SQLite store.
func newEnv(t *testing.T) *webtest.Fixture {
	t.Helper()
	f := webtest.New(t)
	f.Handler = New(Deps{Intake: f.Intake, Reports: f.DB, Index: f.DB, Tokens: f.DB, Accounts: f.Accounts, Cases: f.Cases, Triage: f.Triage, Workspace: f.DB,
		Destinations: destination.Default(), Stats: f.DB, Visits: f.Visits, Advice: advice.Default(),
		Altcha: f.Altcha, Limits: web.DefaultLimits()})
	return f
}

var bg = context.Background()

// TestFiguresPages: the same figures on the public page, its CSV and the
// API.
func TestFiguresPages(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < 3; i++ {
		e.Submit(report.Submission{Category: "fraud.scam", Description: "x"})
	}
	rep := e.Submit(report.Submission{Category: "minors.grooming", Description: "y"})
	e.DB.AddVisits(bg, time.Now(), 41*4)
	c, _ := e.Cases.Create(bg, "Fiche", []string{rep}, "ana")
	cat, _ := taxonomy.Default().Lookup("minors.grooming")
	e.Cases.Qualify(bg, c.ID, "minors.grooming", cat.Legal[:1], "s", "high", "ana")
	e.Cases.Refer(bg, c.ID, []casefile.ReferralChoice{{Destination: "interpol"}, {Destination: "ofmin"}}, []string{"interpol", "ofmin"}, "", "ana")
	if err := e.DB.RefreshStats(bg, time.Now().AddDate(0, 0, -1)); err != nil {
		t.Fatal(err)
	}
	page := e.Do("GET", "/figures?period=day", nil, nil)
	body := page.Body.String()
	if page.Code != 200 {
		t.Fatalf("figures: %d", page.Code)
	}
	for _, want := range []string{"<svg", "<th scope=\"row\">Visites</th><td>164</td>", "<th scope=\"row\">Signalements</th><td>4</td>",
		"<th scope=\"row\">Transmissions aux services français</th><td>1</td>", "<th scope=\"row\">Transmissions à l&#39;étranger (Interpol, hotlines)</th><td>1</td>",
		"Escroquerie", "Interpol (bureau central national)"} {
		if !strings.Contains(body, want) {
			t.Errorf("figures page lacks %q", want)
		}
	}
	var api struct {
		Visits, Reports, Cases int64
		ReferralsAbroad        int64 `json:"referrals_abroad"`
		ByCategory             []struct {
			Category string
			Reports  int64
		} `json:"by_category"`
	}
	w := e.Do("GET", "/api/v1/stats?period=week", nil, nil)
	if err := json.Unmarshal(w.Body.Bytes(), &api); err != nil || api.Reports != 4 || api.Visits != 164 || api.Cases != 1 || api.ReferralsAbroad != 1 || api.ByCategory[0].Category != "fraud.scam" || api.ByCategory[0].Reports != 3 {
		t.Fatalf("api: %s %v", w.Body.String(), err)
	}
	csvBody := e.Do("GET", "/figures.csv?period=month", nil, nil).Body.String()
	if !strings.HasPrefix(csvBody, "period,visits,reports,cases,referrals\r\n"+time.Now().UTC().Format("2006-01")+",164,4,1,2") {
		t.Errorf("csv: %q", csvBody)
	}
	if !strings.HasSuffix(csvBody, "\r\n") || strings.Count(csvBody, "\n") != strings.Count(csvBody, "\r\n") {
		t.Errorf("csv records do not all end with CRLF (RFC 4180): %q", csvBody)
	}
	for _, bad := range []string{"/figures?period=year", "/figures?from=yesterday", "/figures?from=2026-01-01&to=2025-01-01"} {
		if w := e.Do("GET", bad, nil, nil); w.Code != http.StatusBadRequest {
			t.Errorf("%s: %d", bad, w.Code)
		}
	}
	if w := e.Do("GET", "/api/v1/stats?period=year", nil, nil); w.Code != http.StatusBadRequest {
		t.Errorf("api bad period: %d", w.Code)
	}
}

// TestStaticServesFilesNotListings: the static files are served, and no
// folder answers with the list of what it holds.
func TestStaticServesFilesNotListings(t *testing.T) {
	e := newEnv(t)
	for path, want := range map[string]int{
		"/static/style.css": http.StatusOK,
		"/static/form.js":   http.StatusOK,
		"/static/":          http.StatusNotFound,
		"/static/nope.css":  http.StatusNotFound,
	} {
		w := e.Do("GET", path, nil, nil)
		if w.Code != want {
			t.Errorf("GET %s: %d, want %d", path, w.Code, want)
		}
		if strings.Contains(w.Body.String(), `href="style.css"`) {
			t.Errorf("GET %s lists the folder", path)
		}
	}
}

// TestAPIReadsAreAudited: a token's lookups in the cross-referencing
// index are in the audit trail, misses included, with the token as actor
// (issue 13, finding 12).
func TestAPIReadsAreAudited(t *testing.T) {
	e := newEnv(t)
	secret, hash := apitoken.New()
	if _, err := e.DB.CreateToken(bg, apitoken.Token{Name: "tool", Hash: hash, Scopes: []string{apitoken.ScopeIndicatorsRead}, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	id := e.Submit(report.Submission{Category: "fraud.scam", Description: "Virement sur FR76 3000 6000 0112 3456 7890 189"})
	e.Link()
	get := func(path string) int {
		r := httptest.NewRequest("GET", path, nil)
		r.Header.Set("Authorization", "Bearer "+secret)
		w := httptest.NewRecorder()
		e.Handler.ServeHTTP(w, r)
		return w.Code
	}
	for path, want := range map[string]int{
		"/api/v1/indicators/iban/FR7630006000011234567890189": 200,
		"/api/v1/indicators/iban/FR1420041010050500013M02606": 404,
		"/api/v1/reports/" + id + "/related":                  200,
	} {
		if got := get(path); got != want {
			t.Errorf("GET %s: %d, want %d", path, got, want)
		}
	}
	reads := e.Audited("indicator.read", "")
	if len(reads) != 2 {
		t.Fatalf("%d indicator reads audited, want 2 (a hit and a miss): %+v", len(reads), reads)
	}
	for _, en := range reads {
		if en.Actor != "token:tool" || en.ObjectType != "indicator" || !strings.HasPrefix(en.ObjectID, "iban:") {
			t.Errorf("indicator read entry %+v", en)
		}
	}
	if rel := e.Audited("report.related", id); len(rel) != 1 || rel[0].Actor != "token:tool" {
		t.Errorf("related read entries %+v", rel)
	}
}

// TestBatchCountsEachReportAgainstTheTokenRate: a token limited to one
// report a second that sends a batch of five waits about five seconds
// before its next request (issue 13, finding 14).
func TestBatchCountsEachReportAgainstTheTokenRate(t *testing.T) {
	e := newEnv(t)
	secret, hash := apitoken.New()
	if _, err := e.DB.CreateToken(bg, apitoken.Token{Name: "slow", Hash: hash, Scopes: []string{apitoken.ScopeReportsWrite}, Rate: 1, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	post := func(path, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", path, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+secret)
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		e.Handler.ServeHTTP(w, r)
		return w
	}
	one := `{"category":"fraud.scam","description":"faux site"}`
	batch := `{"reports":[` + strings.TrimSuffix(strings.Repeat(one+",", 5), ",") + `]}`
	if w := post("/api/v1/reports/batch", batch); w.Code != http.StatusOK {
		t.Fatalf("batch: %d %s", w.Code, w.Body)
	}
	w := post("/api/v1/reports", one)
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("the request after a batch of 5 at 1 report/s: %d, want 429", w.Code)
	}
	if wait, _ := strconv.Atoi(w.Header().Get("Retry-After")); wait < 4 {
		t.Fatalf("Retry-After %q after a batch of 5 at 1 report/s, want about 5 s", w.Header().Get("Retry-After"))
	}
}

// TestMetricsBehindAToken: /metrics is off without a token, and with one
// it answers only the requests that bear it (issue 13, finding 9).
func TestMetricsBehindAToken(t *testing.T) {
	e := newEnv(t)
	if w := e.Do("GET", "/metrics", nil, nil); w.Code != http.StatusNotFound {
		t.Fatalf("metrics without a configured token: %d, want 404", w.Code)
	}
	h := New(Deps{Intake: e.Intake, Reports: e.DB, Index: e.DB, Tokens: e.DB, Workspace: e.DB, Stats: e.DB, Visits: e.Visits,
		Altcha: e.Altcha, Limits: web.DefaultLimits(), MetricsToken: "s3cret"})
	for auth, want := range map[string]int{"": http.StatusUnauthorized, "Bearer wrong": http.StatusUnauthorized, "Bearer s3cret": http.StatusOK} {
		r := httptest.NewRequest("GET", "/metrics", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want || (want == http.StatusOK) != strings.Contains(w.Body.String(), "go_goroutines") {
			t.Errorf("metrics with %q: %d, want %d", auth, w.Code, want)
		}
	}
}
