// Package hosting traces where a case's URLs are hosted and whom to tell:
// the host's address (resolved through the SSRF guard's rules), its network
// and country (MaxMind-format databases), and its abuse contact (a
// directory file, then the host's security.txt). Every step is recorded
// with its source, so an analyst can see why a notice goes where it goes.
//
// A case whose category forbids fetching (minors.*) is never resolved nor
// fetched: only the offline directory by domain is consulted.
package hosting

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/geo"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/safehttp"
)

// Step names, in the order a trace runs them.
const (
	StepResolve   = "resolve"
	StepNetwork   = "network"
	StepDirectory = "directory"
	StepSecurity  = "security.txt"
)

// Step is one stage of a trace: what it found, where from, or why not.
type Step struct {
	Name   string    `json:"name"`
	Result string    `json:"result,omitempty"`
	Source string    `json:"source,omitempty"`
	Error  string    `json:"error,omitempty"`
	At     time.Time `json:"at"`
}

// Trace is what was found for one URL of a case.
type Trace struct {
	CaseID  string
	URL     string
	Host    string
	IP      string
	ASN     uint
	Org     string
	Country string
	// Abuse is the contact a notice goes to (an e-mail address or a web
	// form's URL) and AbuseSource the step's source that gave it.
	Abuse       string
	AbuseSource string
	Steps       []Step
	TracedAt    time.Time
	Actor       string
}

// Store keeps the latest trace of each URL of a case.
type Store interface {
	// ReplaceTraces stores a case's traces in place of the previous ones.
	ReplaceTraces(ctx context.Context, caseID string, traces []Trace) error
	// CaseTraces lists a case's traces in the order they were given.
	CaseTraces(ctx context.Context, caseID string) ([]Trace, error)
}

// Fetcher reads a URL's body, at most max bytes (safehttp.Get fits).
type Fetcher interface {
	Fetch(ctx context.Context, url string, max int64) (status int, body []byte, err error)
}

// ClientFetcher fetches with a client, which must be an SSRF-guarded one
// (safehttp.NewClient): it checks every address it dials, redirects
// included, after resolution.
type ClientFetcher struct{ Client *http.Client }

// Fetch implements Fetcher.
func (f ClientFetcher) Fetch(ctx context.Context, url string, max int64) (int, []byte, error) {
	resp, body, err := safehttp.Get(ctx, f.Client, url, max)
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, body, nil
}

// Tracer runs traces. Without a Resolver nothing is resolved; without a
// Locator no network is found; without a Fetcher no security.txt is read.
type Tracer struct {
	Resolver  geo.Resolver
	Locator   geo.Locator
	Directory *Directory
	Fetcher   Fetcher
	// AllowLoopback admits loopback addresses (tests only), as the
	// guarded client's option of the same name.
	AllowLoopback bool
	// Timeout bounds each network step (resolution, security.txt).
	Timeout time.Duration
	// MaxURLs bounds the URLs traced per case.
	MaxURLs int
	// Parallel is how many hosts are traced at once (8 by default): a
	// host that does not answer costs its timeout, not everyone's.
	Parallel int
	Now      func() time.Time
}

// SecurityTxtMax caps the security.txt read: RFC 9116 files are a few
// hundred bytes, and a host must not make us read megabytes.
const SecurityTxtMax = 32 << 10

func (t *Tracer) now() time.Time {
	if t.Now != nil {
		return t.Now().UTC()
	}
	return time.Now().UTC()
}

func (t *Tracer) timeout() time.Duration {
	if t.Timeout > 0 {
		return t.Timeout
	}
	return 3 * time.Second
}

// ErrNeverFetch is the recorded reason a minors case is not resolved.
var ErrNeverFetch = errors.New("never resolved nor fetched: the category forbids it")

// Trace traces each distinct URL (at most MaxURLs), in their order.
// neverFetch (a minors.* case) skips every network step. Each host is
// traced once, however many of the case's URLs it serves, and hosts are
// traced concurrently.
func (t *Tracer) Trace(ctx context.Context, caseID string, urls []string, neverFetch bool) []Trace {
	max := t.MaxURLs
	if max <= 0 {
		max = 100
	}
	var kept, hosts []string
	seen, byHost := map[string]bool{}, map[string]*Trace{}
	for _, raw := range urls {
		if seen[raw] || len(kept) >= max {
			continue
		}
		seen[raw] = true
		kept = append(kept, raw)
		if h := hostOf(raw); h != "" && byHost[h] == nil {
			byHost[h] = &Trace{CaseID: caseID, Host: h}
			hosts = append(hosts, h)
		}
	}
	parallel := t.Parallel
	if parallel <= 0 {
		parallel = 8
	}
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for _, h := range hosts {
		wg.Add(1)
		sem <- struct{}{}
		go func(tr *Trace) {
			defer func() { <-sem; wg.Done() }()
			t.traceHost(ctx, tr, neverFetch)
		}(byHost[h])
	}
	wg.Wait()
	out := make([]Trace, 0, len(kept))
	for _, raw := range kept {
		h := hostOf(raw)
		if h == "" {
			out = append(out, Trace{CaseID: caseID, URL: raw, TracedAt: t.now(),
				Steps: []Step{{Name: StepResolve, Source: "url", Error: "no host in the URL", At: t.now()}}})
			continue
		}
		tr := *byHost[h]
		tr.URL, tr.TracedAt = raw, t.now()
		out = append(out, tr)
	}
	return out
}

// hostOf is the host a URL names, as the linker reads it: defanged
// notation undone (hxxp://, [.]) and the host canonicalised (case, final
// dot, IPv4 spellings, IDN as punycode).
func hostOf(raw string) string {
	s := indicator.Refang(strings.TrimSpace(raw))
	if c, err := indicator.CanonicalURL(s); err == nil {
		s = c
	} else if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
}

func (t *Tracer) traceHost(ctx context.Context, tr *Trace, neverFetch bool) {
	step := func(name, source, result string, err error) {
		s := Step{Name: name, Source: source, Result: result, At: t.now()}
		if err != nil {
			s.Error = err.Error()
		}
		tr.Steps = append(tr.Steps, s)
	}
	var ip netip.Addr
	if a, err := netip.ParseAddr(strings.Trim(tr.Host, "[]")); err == nil {
		ip = a.Unmap()
		step(StepResolve, "url", ip.String(), nil)
	} else if neverFetch {
		step(StepResolve, "policy", "", ErrNeverFetch)
	} else if t.Resolver == nil {
		step(StepResolve, "dns", "", errors.New("no resolver configured"))
	} else {
		rctx, cancel := context.WithTimeout(ctx, t.timeout())
		addrs, err := t.Resolver.LookupNetIP(rctx, "ip", tr.Host)
		cancel()
		switch {
		case err != nil:
			step(StepResolve, "dns", "", fmt.Errorf("resolving %s: %w", tr.Host, err))
		case len(addrs) == 0:
			step(StepResolve, "dns", "", fmt.Errorf("resolving %s: no address", tr.Host))
		default:
			// The first public address: a name that resolves only to
			// private addresses is refused as the guarded client would.
			for _, a := range addrs {
				if safehttp.Public(a, t.AllowLoopback) {
					ip = a.Unmap()
					break
				}
			}
			if ip.IsValid() {
				step(StepResolve, "dns", ip.String(), nil)
			} else {
				step(StepResolve, "dns", "", fmt.Errorf("resolving %s: %w", tr.Host, safehttp.ErrForbiddenAddress))
			}
		}
	}
	if ip.IsValid() {
		tr.IP = ip.String()
		if t.Locator == nil {
			step(StepNetwork, "mmdb", "", errors.New("no GeoIP database configured"))
		} else if info, err := t.Locator.Locate(ip); err != nil {
			step(StepNetwork, "mmdb", "", err)
		} else {
			tr.ASN, tr.Org, tr.Country = info.ASN, info.Org, info.Country
			res := info.Country
			if info.ASN != 0 {
				res = strings.TrimSpace(fmt.Sprintf("AS%d %s %s", info.ASN, info.Org, info.Country))
			}
			step(StepNetwork, "mmdb:GeoLite2-ASN", res, nil)
		}
	}
	if t.Directory != nil {
		if c, by, ok := t.Directory.Lookup(tr.ASN, tr.Host, tr.Org); ok {
			tr.Abuse, tr.AbuseSource = c, "directory:"+by
			step(StepDirectory, "directory:"+by, c, nil)
		} else {
			step(StepDirectory, "directory", "", errors.New("no entry for this network, domain or host"))
		}
	}
	if neverFetch {
		step(StepSecurity, "policy", "", ErrNeverFetch)
		return
	}
	if t.Fetcher == nil || !ip.IsValid() {
		return
	}
	if !safehttp.Public(ip, t.AllowLoopback) {
		// An address written in the URL is not checked by the resolution
		// step; the guarded client would refuse it, so nothing is tried.
		step(StepSecurity, "security.txt", "", fmt.Errorf("%w: %s", safehttp.ErrForbiddenAddress, ip))
		return
	}
	u := "https://" + hostPort(tr.Host) + "/.well-known/security.txt"
	fctx, cancel := context.WithTimeout(ctx, t.timeout())
	status, body, err := t.Fetcher.Fetch(fctx, u, SecurityTxtMax)
	cancel()
	if err == nil && status != 200 {
		err = fmt.Errorf("%s: HTTP status %d", u, status)
	}
	if err != nil {
		step(StepSecurity, "security.txt", "", err)
		return
	}
	contacts := ParseSecurityTxt(body)
	best := Preferred(contacts)
	if best == "" {
		step(StepSecurity, "security.txt", "", errors.New("no Contact field"))
		return
	}
	step(StepSecurity, "security.txt", best, nil)
	// The directory is the operator's own knowledge and wins; security.txt
	// fills in a host the directory does not know.
	if tr.Abuse == "" {
		tr.Abuse, tr.AbuseSource = best, "security.txt"
	}
}

func hostPort(h string) string {
	if a, err := netip.ParseAddr(h); err == nil && a.Is6() {
		return "[" + h + "]"
	}
	return h
}

// Service traces a case and stores the result with its audit entry.
type Service struct {
	Tracer *Tracer
	Store  Store
}

// TraceCase traces the URLs of a case, stores them, and records who asked.
func (s *Service) TraceCase(ctx context.Context, caseID string, urls []string, neverFetch bool, actor string) ([]Trace, error) {
	traces := s.Tracer.Trace(ctx, caseID, urls, neverFetch)
	for i := range traces {
		traces[i].Actor = actor
	}
	detail := fmt.Sprintf("%d URLs", len(traces))
	if neverFetch {
		detail += ", never fetched"
	}
	err := audit.Within(ctx, audit.Entry{At: s.Tracer.now(), Actor: actor, Action: "case.trace_hosting", ObjectType: "case", ObjectID: caseID, Detail: detail}, func(ctx context.Context) error {
		return s.Store.ReplaceTraces(ctx, caseID, traces)
	})
	if err != nil {
		return nil, fmt.Errorf("storing the hosting trace of case %s: %w", caseID, err)
	}
	return traces, nil
}

// Recipient is the contact the traces suggest for a URL's notice: the
// URL's own trace, else the first trace with a contact.
func Recipient(traces []Trace, rawURL string) string {
	for _, t := range traces {
		if t.URL == rawURL && t.Abuse != "" {
			return t.Abuse
		}
	}
	for _, t := range traces {
		if t.Abuse != "" {
			return t.Abuse
		}
	}
	return ""
}
