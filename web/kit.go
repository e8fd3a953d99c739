// Package web is what Vigie's three HTTP audiences share: the public
// portal (web/portal, HTML), the reporting API (web/api, JSON) and the
// staff workspace (web/workspace, HTML under /w/). It holds the middleware
// every request goes through (middleware.go), the rendering of pages
// (render.go: layout, page model, not-found page, static files), the
// languages (i18n*.go: negotiation and the French/English catalogue) and
// the registrar through which an audience declares what each route needs
// (registrar.go). web/server puts the audiences together into one handler.
package web

import (
	"errors"
	"html/template"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vigie-platform/vigie/ratelimit"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/taxonomy"
)

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

// DefaultLimits are sensible for a public deployment.
func DefaultLimits() Limits {
	return Limits{
		Form:     ratelimit.PerMinute(5, 10),
		FollowUp: ratelimit.PerMinute(20, 20),
		Login:    ratelimit.PerMinute(10, 10),
	}
}

// MaxMultipartBody bounds a report sent with its attachments, on the
// public form as on the API; documented in the OpenAPI document and the
// README.
const MaxMultipartBody = report.MaxAttachments*report.MaxAttachmentBytes + 2<<20

// Bounds of the cross-referencing answers, the same on the API and on the
// workspace's report page.
const (
	RelatedPerValue      = 50
	ClusterMaxReports    = 200
	ClusterMaxValueCount = 100
)

// Kit is what the audiences share at run time: the logger, the metrics,
// the rate limiter, how the client's address is read, and the categories
// every page lists. web/server makes one and hands it to each audience.
type Kit struct {
	Logger       *slog.Logger
	limiter      *ratelimit.Limiter
	realIPHeader string
	taxonomy     *taxonomy.Taxonomy
	registry     *prometheus.Registry
	metrics      *metrics
	notFound     Pages
}

// NewKit makes the kit. A nil logger discards, a nil registry or limiter
// is made new; realIPHeader is Limits.RealIPHeader; tax gives the
// categories of every page.
func NewKit(logger *slog.Logger, reg *prometheus.Registry, limiter *ratelimit.Limiter, realIPHeader string, tax *taxonomy.Taxonomy) *Kit {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	if limiter == nil {
		limiter = ratelimit.New(nil)
	}
	k := &Kit{Logger: logger, limiter: limiter, realIPHeader: realIPHeader, taxonomy: tax, registry: reg, metrics: newMetrics(reg)}
	k.notFound = k.Pages("layout", map[string]*template.Template{"notfound": PublicPage(templateFS, "templates/notfound.html")})
	return k
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

// MetricsHandler serves the kit's registry to Prometheus.
func (k *Kit) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(k.registry, promhttp.HandlerOpts{})
}

// ReportsStored counts reports durably stored through a channel (web, api).
func (k *Kit) ReportsStored(channel string, n int) {
	k.metrics.reports.WithLabelValues(channel).Add(float64(n))
}

// ClientIP is the address rate limits key on; it is never stored.
func (k *Kit) ClientIP(r *http.Request) string {
	if h := k.realIPHeader; h != "" {
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

// Allow applies a rate limit and sets Retry-After when refused.
func (k *Kit) Allow(w http.ResponseWriter, scope, key string, lim ratelimit.Limit) bool {
	ok, wait := k.limiter.Allow(scope+":"+key, lim)
	if !ok {
		secs := int(wait/time.Second) + 1
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		k.metrics.rateLimited.WithLabelValues(scope).Inc()
	}
	return ok
}

// MediaType is the request's content type without its parameters.
func MediaType(r *http.Request) string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return mt
}

// IsTooBig tells an error of a body read past its http.MaxBytesReader.
func IsTooBig(err error) bool {
	var tooBig *http.MaxBytesError
	return errors.As(err, &tooBig)
}
