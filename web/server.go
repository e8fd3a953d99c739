// Package web is Vigie's HTTP side: the public portal (HTML), the
// reporting API (JSON) and the operations endpoints.
package web

import (
	"context"
	"embed"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/advice"
	"github.com/vigie-platform/vigie/altcha"
	"github.com/vigie-platform/vigie/apitoken"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/destination"
	"github.com/vigie-platform/vigie/ratelimit"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/routing"
	"github.com/vigie-platform/vigie/stats"
	"github.com/vigie-platform/vigie/visit"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

//go:embed openapi.json
var openAPI []byte

// Limits are the documented size and rate limits.
type Limits struct {
	// Per client IP on the public form and follow-up.
	Form     ratelimit.Limit
	FollowUp ratelimit.Limit
	// RealIPHeader, when set (e.g. X-Forwarded-For behind a trusted proxy),
	// names the header that carries the client address.
	RealIPHeader string
	// Login attempts per client IP (the account also locks on failures).
	Login ratelimit.Limit
}

// Body size limits, documented in the OpenAPI document and the README.
const (
	MaxJSONBody      = 1 << 20
	MaxBatchBody     = 16 << 20
	MaxBatchReports  = 1000
	MaxMultipartBody = report.MaxAttachments*report.MaxAttachmentBytes + 2<<20
)

// DefaultLimits are sensible for a public deployment.
func DefaultLimits() Limits {
	return Limits{
		Form:     ratelimit.PerMinute(5, 10),
		FollowUp: ratelimit.PerMinute(20, 20),
		Login:    ratelimit.PerMinute(10, 10),
	}
}

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
	Limits  Limits
	Limiter *ratelimit.Limiter
	Metrics *prometheus.Registry

	// The analysts' workspace; without Accounts the workspace is closed.
	Accounts  *account.Service
	Cases     *casefile.Service
	Workspace WorkspaceStore
	// Routing: the destination registry, the rules and how hosting facts
	// are found. Without Routing, cases get no proposal.
	Destinations *destination.Registry
	Routing      *routing.Rules
	Gatherer     routing.Gatherer
	// Checker fetches reported URLs for removal checks (an SSRF-guarded
	// client); nil turns checks off.
	Checker *http.Client
	// Advice holds the prevention articles.
	Advice *advice.Library
	// Stats serves the figures pages (pre-aggregated daily counts).
	Stats stats.Store
	// InsecureCookies drops the Secure flag of the session cookie, for a
	// workspace served over plain HTTP other than on localhost.
	InsecureCookies bool
}

type server struct {
	Deps
	templates map[string]*template.Template
	metrics   *metrics
	wsRoutes  []wsRoute
}

type metrics struct {
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	reports     *prometheus.CounterVec
	rateLimited *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigie_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "vigie_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
		reports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigie_reports_created_total", Help: "Reports durably stored, by channel.",
		}, []string{"channel"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigie_rate_limited_total", Help: "Requests refused by a rate limit, by scope.",
		}, []string{"scope"}),
	}
	reg.MustRegister(m.requests, m.duration, m.reports, m.rateLimited,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// NewServer builds the HTTP handler.
func NewServer(d Deps) http.Handler {
	_, h := newServer(d)
	return h
}

func newServer(d Deps) (*server, http.Handler) {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Metrics == nil {
		d.Metrics = prometheus.NewRegistry()
	}
	if d.Limiter == nil {
		d.Limiter = ratelimit.New(nil)
	}
	s := &server{Deps: d, templates: parseTemplates(), metrics: newMetrics(d.Metrics)}
	mux := http.NewServeMux()
	s.routes(mux)
	// Cross-origin protection refuses a state-changing request that a
	// browser says comes from another site (Sec-Fetch-Site, Origin); API
	// clients send neither header and pass.
	return s, s.recoverPanics(s.observe(securityHeaders(http.NewCrossOriginProtection().Handler(mux))))
}

// securityHeaders sets what every response needs: no inline script, no
// framing, no sniffing.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe logs and measures each request. Client addresses are not logged:
// the platform keeps no IP of the public.
func (s *server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		elapsed := time.Since(start)
		s.metrics.requests.WithLabelValues(route, strconv.Itoa(rec.status)).Inc()
		s.metrics.duration.WithLabelValues(route).Observe(elapsed.Seconds())
		level := slog.LevelDebug
		if rec.status >= 500 {
			level = slog.LevelError
		}
		s.Logger.Log(r.Context(), level, "request", "method", r.Method, "route", route, "status", rec.status,
			"bytes", rec.bytes, "duration_ms", float64(elapsed.Microseconds())/1000)
	})
}

func (s *server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Logger.Error("panic", "route", r.Pattern, "panic", v)
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// clientIP is the address rate limits key on; it is never stored.
func (s *server) clientIP(r *http.Request) string {
	if h := s.Limits.RealIPHeader; h != "" {
		if v := r.Header.Get(h); v != "" {
			first, _, _ := strings.Cut(v, ",")
			if ip := net.ParseIP(strings.TrimSpace(first)); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// allow applies a rate limit and sets Retry-After when refused.
func (s *server) allow(w http.ResponseWriter, scope, key string, lim ratelimit.Limit) bool {
	ok, wait := s.Limiter.Allow(scope+":"+key, lim)
	if !ok {
		secs := int(wait/time.Second) + 1
		w.Header().Set("Retry-After", itoa(secs))
		s.metrics.rateLimited.WithLabelValues(scope).Inc()
	}
	return ok
}

func (s *server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

func (s *server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if s.Ready != nil {
		if err := s.Ready(ctx); err != nil {
			s.Logger.Warn("not ready", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("database unreachable\n"))
			return
		}
	}
	w.Write([]byte("ready\n"))
}
