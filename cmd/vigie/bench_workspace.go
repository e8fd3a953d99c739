package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/taxonomy"
	"github.com/vigie-platform/vigie/triage"
	"github.com/vigie-platform/vigie/visit"
	"github.com/vigie-platform/vigie/wave"
	"github.com/vigie-platform/vigie/web"
	"github.com/vigie-platform/vigie/web/server"
	"github.com/vigie-platform/vigie/web/workspace"
)

// runBenchWorkspace times the workspace's pages on a store of demo data:
// the triage queue with and without filters, report pages, and search,
// each a full request through the HTTP handler (session check, store,
// template), in process.
func runBenchWorkspace(ctx context.Context, e env, args []string) error {
	fs, sf := storeFlagSet("bench workspace")
	sf.data = ""
	reports := fs.Int("reports", 1_000_000, "reports in the store (a demo fills an empty store)")
	samples := fs.Int("samples", 200, "requests per page kind")
	only := fs.String("only", "", "measure only the page kinds whose name contains this text")
	profilePath := fs.String("cpuprofile", "", "write a CPU profile of the measured requests to this file")
	db, kind, remove, err := sf.openScratch(ctx, e, fs, args, "vigie-bench-workspace-")
	if err != nil {
		return err
	}
	defer remove()
	have, err := db.CountReports(ctx)
	if err != nil {
		db.Close()
		return err
	}
	if have == 0 {
		db.Close()
		demoArgs := append([]string{"--reports", strconv.Itoa(*reports)}, sf.args()...)
		start := time.Now()
		if err := runDemo(ctx, e, demoArgs); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "demo filled in %s\n", time.Since(start).Round(time.Second))
		if db, kind, err = sf.open(ctx); err != nil {
			return err
		}
		have, _ = db.CountReports(ctx)
	}
	defer db.Close()
	open, err := db.Queue(ctx, triage.Filter{Limit: 1})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "store=%s reports=%d\n", kind, have)
	if len(open) == 0 {
		return fmt.Errorf("the queue is empty: nothing to measure")
	}

	t0 := time.Now()
	if err := db.RefreshStats(ctx, time.Unix(0, 0)); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "statistics recomputed over every day in %s; the server then refreshes the last two days each minute\n", time.Since(t0).Round(time.Millisecond))
	t0 = time.Now()
	if err := db.RefreshStats(ctx, time.Now().AddDate(0, 0, -2)); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "statistics refresh of the last two days: %s\n", time.Since(t0).Round(time.Millisecond))

	tax := taxonomy.Default()
	intake, err := newIntake(ctx, db, tax, nil)
	if err != nil {
		return err
	}
	accounts := account.NewService(db, account.DefaultPolicy(), nil)
	email := fmt.Sprintf("bench-%d@vigie.test", time.Now().UnixNano())
	u, err := accounts.AddUser(ctx, email, account.RoleSupervisor, "", "cli:bench")
	if err != nil {
		return err
	}
	token, err := accounts.StartSession(ctx, u.ID, "")
	if err != nil {
		return err
	}
	handler := server.New(server.Deps{Intake: intake, Reports: db, Index: db, Tokens: db, Accounts: accounts,
		Cases: casefile.NewService(db, tax, nil), Triage: triage.NewService(db, db, db, nil), Workspace: db, Limits: web.DefaultLimits(), Ready: db.Ping, Stats: db,
		Visits: visit.NewCounter(db, nil, nil)})
	// The baseline: a signed-in request that reads no data (the workspace
	// home redirects to the queue): session check, role check, security
	// headers. Each page's ratio to it, measured in the same run, is what
	// the page's own data costs.
	const baselinePath = "/w/"
	get := func(path string) (time.Duration, error) {
		r := httptest.NewRequest("GET", path, nil)
		r.AddCookie(&http.Cookie{Name: workspace.SessionCookie, Value: token})
		w := httptest.NewRecorder()
		t0 := time.Now()
		handler.ServeHTTP(w, r)
		d := time.Since(t0)
		if w.Code != http.StatusOK && !(path == baselinePath && w.Code == http.StatusSeeOther) {
			return d, fmt.Errorf("GET %s: %d", path, w.Code)
		}
		return d, nil
	}

	// Report ids to open: a sample from the queue's decided pages.
	decided, err := db.Queue(ctx, triage.Filter{States: []triage.State{triage.StateUnfounded}, Limit: 500})
	if err != nil {
		return err
	}
	top, err := db.TopIndicators(ctx, 200)
	if err != nil {
		return err
	}
	// Waves: numbered from 1; the largest (a big campaign's) and any.
	var waves []int64
	var largest wave.Wave
	for id := int64(1); ; id++ {
		w, err := db.Wave(ctx, id)
		if errors.Is(err, wave.ErrNotFound) {
			break
		}
		if err != nil {
			return err
		}
		waves = append(waves, id)
		if w.Size > largest.Size {
			largest = w
		}
	}
	if len(waves) == 0 {
		return fmt.Errorf("no wave in the store: nothing to measure on wave pages")
	}
	fmt.Fprintf(e.stdout, "waves=%d largest=%d reports\n", len(waves), largest.Size)
	rng := rand.New(rand.NewPCG(3, 4))
	month := time.Now().AddDate(0, -1, 0).Format("2006-01-02")
	scenarios := []struct {
		name string
		path func(i int) string
	}{
		{"baseline: signed-in request, no data", func(int) string { return baselinePath }},
		{"queue, first page (unhandled, urgent first)", func(int) string { return "/w/queue" }},
		{"queue, scams with related reports", func(int) string { return "/w/queue?category=fraud.scam&related=yes" }},
		{"queue, grooming (rare category)", func(int) string { return "/w/queue?category=minors.grooming" }},
		{"queue, unassigned, web channel, last month", func(int) string { return "/w/queue?assignee=-&channel=web&from=" + month }},
		{"queue, decided as unfounded (large state)", func(int) string { return "/w/queue?state=unfounded" }},
		{"wave page, the largest wave", func(int) string { return fmt.Sprintf("/w/waves/%d", largest.ID) }},
		{"wave page, any wave", func(int) string { return fmt.Sprintf("/w/waves/%d", waves[rng.IntN(len(waves))]) }},
		{"report page", func(int) string { return "/w/reports/" + decided[rng.IntN(len(decided))].ID }},
		{"search, common words", func(int) string {
			return "/w/search?q=" + url.QueryEscape([]string{"conseiller", "virement iban", "colis"}[rng.IntN(3)])
		}},
		{"search, rare word", func(i int) string { return "/w/search?q=joueur" + strconv.Itoa(rng.IntN(20000)) }},
		{"statistics, a year per month (public page)", func(int) string { return "/figures" }},
		{"statistics, a year per day (supervisor)", func(int) string { return "/w/stats?period=day" }},
		{"statistics API, a year per week", func(int) string { return "/api/v1/stats?period=week" }},
		{"search, identifier", func(int) string {
			v := top[rng.IntN(len(top))]
			return "/w/search?q=" + url.QueryEscape(v.Value)
		}},
	}
	stopProfile, err := cpuProfile(*profilePath)
	if err != nil {
		return err
	}
	defer stopProfile()
	var baseline time.Duration
	for i, sc := range scenarios {
		if i > 0 && !strings.Contains(sc.name, *only) {
			continue
		}
		var times []time.Duration
		for i := range *samples {
			d, err := get(sc.path(i))
			if err != nil {
				return fmt.Errorf("%s: %w", sc.name, err)
			}
			times = append(times, d)
		}
		slices.Sort(times)
		if baseline == 0 {
			baseline = pct(times, .5)
		}
		fmt.Fprintf(e.stdout, "%-46s p50=%6.2fms p95=%6.2fms max=%7.2fms (%d requests) p50/baseline=%.1f\n", sc.name+":",
			ms(pct(times, .5)), ms(pct(times, .95)), ms(pct(times, 1)), len(times), float64(pct(times, .5))/float64(baseline))
	}
	return nil
}
