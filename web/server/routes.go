package server

import (
	"net/http"

	"github.com/vigie-platform/vigie/web"
	"github.com/vigie-platform/vigie/web/api"
	"github.com/vigie-platform/vigie/web/feeds"
	"github.com/vigie-platform/vigie/web/figures"
	"github.com/vigie-platform/vigie/web/portal"
	"github.com/vigie-platform/vigie/web/workspace"
)

// routes mounts the three audiences, each of which lists its own routes in
// its routes.go, and the routes of no audience: the static files both HTML
// audiences link to, the operations endpoints and the not-found page.
func routes(mux *http.ServeMux, kit *web.Kit, d Deps) {
	figs := &figures.Reader{Stats: d.Stats, Notices: d.Workspace, Destinations: d.Destinations, Taxonomy: d.Intake.Taxonomy()}

	// Public portal (HTML): web/portal/routes.go.
	portal.Mount(mux, kit, portal.Deps{Intake: d.Intake, Visits: d.Visits, Altcha: d.Altcha, Advice: d.Advice,
		Figures: figs, Limits: d.Limits, News: d.News, NextSteps: d.NextSteps, PublicURL: d.PublicURL, Diagnosis: d.Diagnosis, Installation: d.Installation})
	mux.Handle("GET /static/", web.Static())

	// Reporting API (JSON): web/api/routes.go, each route with its token scope.
	api.Mount(mux, kit, api.Deps{Intake: d.Intake, Reports: d.Reports, Index: d.Index, Tokens: d.Tokens, Altcha: d.Altcha,
		Figures: figs, Limits: d.Limits, Audit: d.Workspace})

	// Staff workspace (HTML, /w/): web/workspace/routes.go, each route with
	// the permission it needs.
	workspace.Mount(mux, kit, workspace.Deps{Intake: d.Intake, Reports: d.Reports, Index: d.Index, Accounts: d.Accounts,
		Cases: d.Cases, Triage: d.Triage, Workspace: d.Workspace, Destinations: d.Destinations, Routing: d.Routing, Gatherer: d.Gatherer,
		Checker: d.Checker, Hosting: d.Hosting, Figures: figs, Limits: d.Limits, InsecureCookies: d.InsecureCookies,
		Mailer: d.Mailer, PublicURL: d.PublicURL, ExportNamespace: d.ExportNamespace, Banks: d.Banks, BankStore: d.BankStore})

	// Disruption feeds and TAXII: web/feeds/routes.go, each route with the
	// token scope feeds:read.
	if d.Blocklist != nil {
		feeds.Mount(mux, kit, feeds.Deps{Tokens: d.Tokens, Audit: d.Workspace, Blocklist: d.Blocklist, Store: d.FeedStore,
			Payments: d.PaymentRule, Namespace: d.ExportNamespace, PublicURL: d.PublicURL})
	}

	// Operations.
	mux.HandleFunc("GET /healthz", handleHealthz)
	mux.HandleFunc("GET /readyz", handleReadyz(d.Ready, kit.Logger))
	mux.Handle("GET /metrics", metricsBehind(d.MetricsToken, kit.MetricsHandler()))

	mux.HandleFunc("/", kit.NotFound)
}
