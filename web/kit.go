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
	"fmt"
	"html/template"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
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
	// Proxies says which header carries the client address behind a
	// reverse proxy, and which proxies may write it.
	Proxies Proxies
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
	Logger   *slog.Logger
	limiter  *ratelimit.Limiter
	proxies  Proxies
	taxonomy *taxonomy.Taxonomy
	registry *prometheus.Registry
	metrics  *metrics
	notFound Pages
}

// NewKit makes the kit. A nil logger discards, a nil registry or limiter
// is made new; proxies is Limits.Proxies; tax gives the categories of
// every page.
func NewKit(logger *slog.Logger, reg *prometheus.Registry, limiter *ratelimit.Limiter, proxies Proxies, tax *taxonomy.Taxonomy) *Kit {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	if limiter == nil {
		limiter = ratelimit.New(nil)
	}
	k := &Kit{Logger: logger, limiter: limiter, proxies: proxies, taxonomy: tax, registry: reg, metrics: newMetrics(reg)}
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
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || k.proxies.Header == "" || !k.proxies.trusts(peer) {
		return host
	}
	// Each proxy appends the address it received the request from, so the
	// list is read from the right: the first address that is not one of our
	// proxies is the client. Anything to its left was written by the client
	// and proves nothing.
	hops := strings.Split(strings.Join(r.Header.Values(k.proxies.Header), ","), ",")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		client = a.Unmap()
		if !k.proxies.trusts(client) {
			break
		}
	}
	return client.String()
}

// overTLS tells a request that reached the platform over TLS: to this
// server, or to a trusted proxy that says so (X-Forwarded-Proto).
func (k *Kit) overTLS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if k.proxies.Header == "" {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	peer, err := netip.ParseAddr(host)
	return err == nil && k.proxies.trusts(peer) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// Proxies is how the client's address reaches the server behind reverse
// proxies.
type Proxies struct {
	// Header, when set (e.g. X-Forwarded-For), carries the addresses the
	// request came through, the client's first.
	Header string
	// Trusted are the proxies whose additions to Header are believed;
	// empty means the loopback addresses only (a proxy on the same host).
	Trusted []netip.Prefix
}

func (p Proxies) trusts(a netip.Addr) bool {
	a = a.Unmap()
	if len(p.Trusted) == 0 {
		return a.IsLoopback()
	}
	for _, pre := range p.Trusted {
		if pre.Contains(a) {
			return true
		}
	}
	return false
}

// ParseProxies reads a comma-separated list of addresses and CIDR
// prefixes (10.0.0.0/8, 192.0.2.7, fd00::/8).
func ParseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if a, err := netip.ParseAddr(f); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		pre, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: not an address or a CIDR prefix", f)
		}
		out = append(out, pre.Masked())
	}
	return out, nil
}

// Charge counts n more units of work against a rate limit that already let
// the request through (see ratelimit.Limiter.Charge).
func (k *Kit) Charge(scope, key string, lim ratelimit.Limit, n int) {
	k.limiter.Charge(scope+":"+key, lim, float64(n))
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
