package hosting

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/geo"
	"github.com/vigie-platform/vigie/geo/geotest"
	"github.com/vigie-platform/vigie/safehttp"
)

// fakeResolver answers from a map and counts its calls.
type fakeResolver struct {
	addrs map[string][]string
	calls atomic.Int64
}

func (f *fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	f.calls.Add(1)
	list, ok := f.addrs[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, s := range list {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

// countingFetcher counts the fetches of the fetcher it wraps.
type countingFetcher struct {
	next  Fetcher
	calls atomic.Int64
	mu    sync.Mutex
	urls  []string
}

func (c *countingFetcher) Fetch(ctx context.Context, url string, max int64) (int, []byte, error) {
	c.calls.Add(1)
	c.mu.Lock()
	c.urls = append(c.urls, url)
	c.mu.Unlock()
	return c.next.Fetch(ctx, url, max)
}

func testLocator(t testing.TB) geo.Locator {
	country, asn := geotest.Write(t, []geotest.Network{
		{CIDR: "51.38.0.0/16", Country: "FR", ASN: 16276, Org: "OVH SAS"},
		{CIDR: "88.198.0.0/16", Country: "DE", ASN: 24940, Org: "Hetzner Online GmbH"},
		{CIDR: "127.0.0.0/8", Country: "FR", ASN: 64500, Org: "Tiny Host"},
		{CIDR: "5.39.0.0/16", Country: "NL", ASN: 64501, Org: "Nameless BV"},
	})
	m, err := geo.Open(country, asn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// securityServer serves a security.txt over TLS; the guarded client is
// made to reach it for any host name, its dialler still checking the
// loopback address it connects to.
func securityServer(t testing.TB, allowLoopback bool) Fetcher {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/security.txt" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, "# our policy\nContact: https://example.com/report\nContact: mailto:security@example.com\nExpires: 2030-01-01T00:00:00.000Z\n")
	}))
	t.Cleanup(srv.Close)
	c := safehttp.NewClient(safehttp.Options{Timeout: 2 * time.Second, AllowLoopback: allowLoopback})
	tr := c.Transport.(*http.Transport)
	dial := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dial(ctx, network, srv.Listener.Addr().String())
	}
	tr.TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig
	return ClientFetcher{Client: c}
}

type notFound struct{}

func (notFound) Fetch(context.Context, string, int64) (int, []byte, error) { return 404, nil, nil }

func TestTrace(t *testing.T) {
	loc := testLocator(t)
	dir, err := ParseDirectory([]byte("asn 16276 abuse@ovh.net\ndomain hosting.example abuse@hosting.example\nname hetzner mailto:abuse@hetzner.com\n"))
	if err != nil {
		t.Fatal(err)
	}
	dns := map[string][]string{
		"shop.example.fr":      {"51.38.1.2"},
		"example.com":          {"127.0.0.1"},
		"internal.example.fr":  {"10.0.0.1"},
		"mixed.example.fr":     {"10.0.0.2", "88.198.3.4"},
		"x.hosting.example":    {"5.39.100.7"},
		"unknown.example.nl":   {"5.39.100.8"},
		"kids.hosting.example": {"51.38.9.9"},
	}
	tests := []struct {
		name         string
		url          string
		neverFetch   bool
		fetcher      string // "tls", "tls-guarded" (no loopback), "404"
		wantIP       string
		wantASN      uint
		wantCountry  string
		wantAbuse    string
		wantSource   string
		wantErrStep  string // a step that must carry an error
		wantResolves int64
		wantFetches  int64
	}{
		{name: "directory by network", url: "https://shop.example.fr/offre", fetcher: "404", wantIP: "51.38.1.2", wantASN: 16276, wantCountry: "FR",
			wantAbuse: "abuse@ovh.net", wantSource: "directory:asn", wantErrStep: StepSecurity, wantResolves: 1, wantFetches: 1},
		{name: "security.txt over TLS, mailto preferred", url: "https://example.com/page", fetcher: "tls", wantIP: "127.0.0.1", wantASN: 64500, wantCountry: "FR",
			wantAbuse: "security@example.com", wantSource: "security.txt", wantErrStep: StepDirectory, wantResolves: 1, wantFetches: 1},
		{name: "guard refuses loopback", url: "https://example.com/page", fetcher: "tls-guarded", wantIP: "127.0.0.1", wantASN: 64500, wantCountry: "FR",
			wantErrStep: StepSecurity, wantResolves: 1, wantFetches: 1},
		{name: "directory by domain", url: "http://x.hosting.example/a", fetcher: "404", wantIP: "5.39.100.7", wantASN: 64501, wantCountry: "NL",
			wantAbuse: "abuse@hosting.example", wantSource: "directory:domain", wantResolves: 1, wantFetches: 1},
		{name: "directory by name, first public address", url: "https://mixed.example.fr/", fetcher: "404", wantIP: "88.198.3.4", wantASN: 24940, wantCountry: "DE",
			wantAbuse: "abuse@hetzner.com", wantSource: "directory:name", wantResolves: 1, wantFetches: 1},
		{name: "private address only", url: "https://internal.example.fr/", fetcher: "404", wantErrStep: StepResolve, wantResolves: 1, wantFetches: 0},
		{name: "name does not resolve", url: "https://gone.example.fr/", fetcher: "404", wantErrStep: StepResolve, wantResolves: 1, wantFetches: 0},
		{name: "no entry anywhere", url: "https://unknown.example.nl/", fetcher: "404", wantIP: "5.39.100.8", wantASN: 64501, wantCountry: "NL",
			wantErrStep: StepDirectory, wantResolves: 1, wantFetches: 1},
		{name: "defanged URL", url: "hxxps://shop[.]example[.]fr/offre", fetcher: "404", wantIP: "51.38.1.2", wantASN: 16276, wantCountry: "FR",
			wantAbuse: "abuse@ovh.net", wantSource: "directory:asn", wantResolves: 1, wantFetches: 1},
		{name: "private address in the URL is never fetched", url: "http://10.1.2.3/x", fetcher: "404", wantIP: "10.1.2.3", wantErrStep: StepSecurity, wantResolves: 0, wantFetches: 0},
		{name: "address in the URL is not resolved", url: "http://51.38.4.4/x", fetcher: "404", wantIP: "51.38.4.4", wantASN: 16276, wantCountry: "FR",
			wantAbuse: "abuse@ovh.net", wantSource: "directory:asn", wantResolves: 0, wantFetches: 1},
		{name: "minors: never resolved nor fetched", url: "https://kids.hosting.example/img", neverFetch: true, fetcher: "tls",
			wantAbuse: "abuse@hosting.example", wantSource: "directory:domain", wantErrStep: StepResolve, wantResolves: 0, wantFetches: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := &fakeResolver{addrs: dns}
			var next Fetcher = notFound{}
			switch tc.fetcher {
			case "tls":
				next = securityServer(t, true)
			case "tls-guarded":
				next = securityServer(t, false)
			}
			f := &countingFetcher{next: next}
			tr := &Tracer{Resolver: res, Locator: loc, Directory: dir, Fetcher: f, AllowLoopback: true, Timeout: 2 * time.Second}
			got := tr.Trace(context.Background(), "c1", []string{tc.url}, tc.neverFetch)
			if len(got) != 1 {
				t.Fatalf("got %d traces", len(got))
			}
			g := got[0]
			if g.IP != tc.wantIP || g.ASN != tc.wantASN || g.Country != tc.wantCountry || g.Abuse != tc.wantAbuse || g.AbuseSource != tc.wantSource {
				t.Errorf("got ip %q AS%d %q abuse %q from %q; want %q AS%d %q abuse %q from %q\nsteps %+v",
					g.IP, g.ASN, g.Country, g.Abuse, g.AbuseSource, tc.wantIP, tc.wantASN, tc.wantCountry, tc.wantAbuse, tc.wantSource, g.Steps)
			}
			if n := res.calls.Load(); n != tc.wantResolves {
				t.Errorf("resolver called %d times, want %d", n, tc.wantResolves)
			}
			if n := f.calls.Load(); n != tc.wantFetches {
				t.Errorf("fetcher called %d times, want %d", n, tc.wantFetches)
			}
			for _, u := range f.urls {
				if u != "https://"+g.Host+"/.well-known/security.txt" {
					t.Errorf("fetched %s", u)
				}
			}
			if tc.wantErrStep != "" {
				found := false
				for _, s := range g.Steps {
					if s.Name == tc.wantErrStep && s.Error != "" {
						found = true
					}
					if s.At.IsZero() || s.Source == "" {
						t.Errorf("step without time or source: %+v", s)
					}
				}
				if !found {
					t.Errorf("no error at step %s: %+v", tc.wantErrStep, g.Steps)
				}
			}
		})
	}
}

// A minors case with many hosts: nothing at all goes out.
func TestTraceNeverFetchTouchesNothing(t *testing.T) {
	res := &fakeResolver{addrs: map[string][]string{"a.example": {"51.38.1.1"}, "b.example": {"51.38.1.2"}}}
	f := &countingFetcher{next: notFound{}}
	tr := &Tracer{Resolver: res, Locator: testLocator(t), Directory: Default(), Fetcher: f}
	got := tr.Trace(context.Background(), "c", []string{"https://a.example/1", "https://b.example/2", "http://a.example/3"}, true)
	if len(got) != 3 || res.calls.Load() != 0 || f.calls.Load() != 0 {
		t.Fatalf("%d traces, %d resolutions, %d fetches; want 3, 0, 0", len(got), res.calls.Load(), f.calls.Load())
	}
	for _, g := range got {
		if g.IP != "" || !strings.Contains(g.Steps[0].Error, "never") {
			t.Errorf("minors trace %+v", g)
		}
	}
}

// One host is resolved once, however many URLs it serves.
func TestTraceResolvesEachHostOnce(t *testing.T) {
	res := &fakeResolver{addrs: map[string][]string{"a.example": {"51.38.1.1"}}}
	tr := &Tracer{Resolver: res, Locator: testLocator(t), Directory: Default()}
	got := tr.Trace(context.Background(), "c", []string{"https://a.example/1", "https://a.example/2", "https://a.example/1"}, false)
	if len(got) != 2 || res.calls.Load() != 1 || got[1].URL != "https://a.example/2" || got[1].Abuse != "abuse@ovh.net" {
		t.Fatalf("traces %+v, %d resolutions", got, res.calls.Load())
	}
}

func TestRecipient(t *testing.T) {
	ts := []Trace{{URL: "a", Abuse: ""}, {URL: "b", Abuse: "b@x.fr"}, {URL: "c", Abuse: "c@x.fr"}}
	for url, want := range map[string]string{"c": "c@x.fr", "a": "b@x.fr", "z": "b@x.fr"} {
		if got := Recipient(ts, url); got != want {
			t.Errorf("Recipient(%s) = %q, want %q", url, got, want)
		}
	}
}

func BenchmarkTrace50(b *testing.B) {
	addrs := map[string][]string{}
	var urls []string
	for i := range 50 {
		h := fmt.Sprintf("h%d.example.fr", i)
		addrs[h] = []string{fmt.Sprintf("51.38.%d.%d", i/200, i%200+1)}
		urls = append(urls, "https://"+h+"/page")
	}
	tr := &Tracer{Resolver: &fakeResolver{addrs: addrs}, Locator: testLocator(b), Directory: Default(), Fetcher: notFound{}}
	b.ResetTimer()
	for b.Loop() {
		if got := tr.Trace(context.Background(), "c", urls, false); len(got) != 50 || got[49].Abuse == "" {
			b.Fatal("bad trace")
		}
	}
}

// slowResolver answers after a delay, as a real resolver does.
type slowResolver struct {
	fakeResolver
	delay time.Duration
}

func (s *slowResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	time.Sleep(s.delay)
	return s.fakeResolver.LookupNetIP(ctx, network, host)
}

// BenchmarkTrace50Slow: 50 hosts whose resolution takes 10 ms each, traced
// 8 at a time (serially it would take 500 ms).
func BenchmarkTrace50Slow(b *testing.B) {
	addrs := map[string][]string{}
	var urls []string
	for i := range 50 {
		h := fmt.Sprintf("h%d.example.fr", i)
		addrs[h] = []string{fmt.Sprintf("51.38.%d.%d", i/200, i%200+1)}
		urls = append(urls, "https://"+h+"/page")
	}
	tr := &Tracer{Resolver: &slowResolver{fakeResolver: fakeResolver{addrs: addrs}, delay: 10 * time.Millisecond}, Locator: testLocator(b), Directory: Default(), Fetcher: notFound{}}
	b.ResetTimer()
	for b.Loop() {
		if got := tr.Trace(context.Background(), "c", urls, false); len(got) != 50 || got[49].Abuse == "" {
			b.Fatal("bad trace")
		}
	}
}
