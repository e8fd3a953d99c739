// Package server builds Vigie's one HTTP handler: the public portal, the
// reporting API and the staff workspace mounted on one mux with the
// operations endpoints (routes.go), behind the shared middleware of web.
package server

import (
	"github.com/vigie-platform/vigie/hosting"

	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/advice"
	"github.com/vigie-platform/vigie/altcha"
	"github.com/vigie-platform/vigie/apitoken"
	"github.com/vigie-platform/vigie/bank"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/destination"
	"github.com/vigie-platform/vigie/diagnosis"
	"github.com/vigie-platform/vigie/feed"
	"github.com/vigie-platform/vigie/installation"
	"github.com/vigie-platform/vigie/news"
	"github.com/vigie-platform/vigie/ratelimit"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/routing"
	"github.com/vigie-platform/vigie/stats"
	"github.com/vigie-platform/vigie/taxonomy"
	"github.com/vigie-platform/vigie/triage"
	"github.com/vigie-platform/vigie/visit"
	"github.com/vigie-platform/vigie/web"
	"github.com/vigie-platform/vigie/web/workspace"
)

// Deps is everything the HTTP side needs.
type Deps struct {
	Logger  *slog.Logger
	Intake  *report.Intake
	Reports report.Store
	Index   correlate.Store
	Tokens  apitoken.Store
	Visits  *visit.Counter
	Altcha  *altcha.Service
	Ready   func(ctx context.Context) error
	Limits  web.Limits
	Limiter *ratelimit.Limiter
	Metrics *prometheus.Registry

	// The analysts' workspace; without Accounts the workspace is closed.
	Accounts  *account.Service
	Cases     *casefile.Service
	Triage    *triage.Service
	Workspace workspace.Store
	// Routing: the destination registry, the rules and how hosting facts
	// are found. Without Routing, cases get no proposal.
	Destinations *destination.Registry
	Routing      *routing.Rules
	Gatherer     routing.Gatherer
	// Checker fetches reported URLs for removal checks (an SSRF-guarded
	// client); nil turns checks off.
	Checker *http.Client
	// Hosting traces a case's URLs to their host and abuse contact; nil
	// turns the trace off.
	Hosting *hosting.Service
	// Advice holds the prevention articles.
	Advice *advice.Library
	// Diagnosis routes people to the right door; Installation fills the
	// legal pages and says who may frame /embed. Nil: the embedded ones.
	Diagnosis    *diagnosis.Config
	Installation *installation.Info
	// Stats serves the figures pages (pre-aggregated daily counts).
	Stats stats.Store
	// InsecureCookies drops the Secure flag of the session cookie, for a
	// workspace served over plain HTTP other than on localhost.
	InsecureCookies bool
	// Mailer sends new accounts their activation link, built on PublicURL.
	Mailer    workspace.Mailer
	PublicURL string
	// ExportNamespace is the installation's namespace for the ids of STIX
	// and MISP exports (export.InstallationNamespace).
	ExportNamespace uuid.UUID
	// MetricsToken is the bearer token /metrics asks for; empty turns
	// /metrics off. The figures show the workspace's live activity.
	MetricsToken string
	// News sends reporters news by e-mail (nil: not offered); NextSteps
	// are the steps a receipt gives per category (nil: the default).
	News      *news.Service
	NextSteps *taxonomy.NextSteps
	// Banks of known content (issue 14); nil turns their pages off.
	Banks     *bank.Service
	BankStore bank.Store
	// Disruption feeds (issue 15, part 4): the blocklist's cache, the
	// store they read and the banks' rule; a nil Blocklist turns /feeds/
	// and /taxii2/ off.
	Blocklist   *feed.Cache
	FeedStore   feed.Store
	PaymentRule feed.PaymentRule
}

// metricsBehind serves the metrics only to a request bearing token, and
// answers 404 when no token is set, as for a page that does not exist.
func metricsBehind(token string, metrics http.Handler) http.Handler {
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token == "" {
			http.NotFound(w, r)
			return
		}
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="vigie-metrics"`)
			http.Error(w, "a bearer token is required", http.StatusUnauthorized)
			return
		}
		metrics.ServeHTTP(w, r)
	})
}

// New builds the HTTP handler.
func New(d Deps) http.Handler {
	kit := web.NewKit(d.Logger, d.Metrics, d.Limiter, d.Limits.Proxies, d.Intake.Taxonomy())
	mux := http.NewServeMux()
	routes(mux, kit, d)
	return kit.Handler(mux)
}

func handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// handleReadyz answers 503 while the database cannot be reached.
func handleReadyz(ready func(ctx context.Context) error, logger *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if ready != nil {
			if err := ready(ctx); err != nil {
				logger.Warn("not ready", "err", err)
				w.WriteHeader(http.StatusServiceUnavailable)
				w.Write([]byte("database unreachable\n"))
				return
			}
		}
		w.Write([]byte("ready\n"))
	}
}
