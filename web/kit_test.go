package web

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestLink(t *testing.T) {
	fr, en := Page{Lang: "fr"}, Page{Lang: "en"}
	cases := []struct {
		p        Page
		in, want string
	}{
		{fr, "/report", "/report"},
		{en, "/report", "/report?lang=en"},
		{en, "/report?category=fraud.scam", "/report?category=fraud.scam&lang=en"},
	}
	for _, c := range cases {
		if got := c.p.Link(c.in); got != c.want {
			t.Errorf("Link(%q) in %s = %q, want %q", c.in, c.p.Lang, got, c.want)
		}
	}
}

// The client address behind proxies is the right-most address that is
// not a trusted proxy: what a client writes at the left of the header
// (issue 13, finding 3) and what an untrusted peer sends are not believed.
func TestClientIPBehindTrustedProxies(t *testing.T) {
	lan := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	tests := []struct {
		name    string
		proxies Proxies
		peer    string
		header  []string
		want    string
	}{
		{"no header configured", Proxies{}, "10.0.0.1:5555", []string{"203.0.113.9"}, "10.0.0.1"},
		{"one trusted proxy", Proxies{Header: "X-Forwarded-For", Trusted: lan}, "10.0.0.1:5555", []string{"203.0.113.9"}, "203.0.113.9"},
		{"spoofed left-most address", Proxies{Header: "X-Forwarded-For", Trusted: lan}, "10.0.0.1:5555", []string{"1.2.3.4, 203.0.113.9"}, "203.0.113.9"},
		{"two proxies", Proxies{Header: "X-Forwarded-For", Trusted: lan}, "10.0.0.1:5555", []string{"6.6.6.6, 203.0.113.9, 10.0.0.2"}, "203.0.113.9"},
		{"header split over lines", Proxies{Header: "X-Forwarded-For", Trusted: lan}, "10.0.0.1:5555", []string{"6.6.6.6", "203.0.113.9"}, "203.0.113.9"},
		{"untrusted peer", Proxies{Header: "X-Forwarded-For", Trusted: lan}, "198.51.100.7:5555", []string{"203.0.113.9"}, "198.51.100.7"},
		{"loopback by default", Proxies{Header: "X-Forwarded-For"}, "127.0.0.1:5555", []string{"6.6.6.6, 203.0.113.9"}, "203.0.113.9"},
		{"default trusts no LAN", Proxies{Header: "X-Forwarded-For"}, "10.0.0.1:5555", []string{"203.0.113.9"}, "10.0.0.1"},
		{"garbage hop", Proxies{Header: "X-Forwarded-For", Trusted: lan}, "10.0.0.1:5555", []string{"203.0.113.9, nonsense"}, "10.0.0.1"},
		{"all hops trusted", Proxies{Header: "X-Forwarded-For", Trusted: lan}, "10.0.0.1:5555", []string{"10.1.1.1, 10.2.2.2"}, "10.1.1.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.peer
			for _, h := range tt.header {
				r.Header.Add("X-Forwarded-For", h)
			}
			k := &Kit{proxies: tt.proxies}
			if got := k.ClientIP(r); got != tt.want {
				t.Errorf("ClientIP = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestParseProxies(t *testing.T) {
	got, err := ParseProxies(" 10.0.0.0/8, 192.0.2.7 ,fd00::/8,")
	if err != nil || len(got) != 3 || got[1] != netip.MustParsePrefix("192.0.2.7/32") {
		t.Fatalf("ParseProxies = %v, %v", got, err)
	}
	if _, err := ParseProxies("10.0.0.0/8, proxy.lan"); err == nil {
		t.Error("a host name was taken for a proxy address")
	}
}

func FuzzParseProxies(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8", "192.0.2.7, ::1", "", ",,", "1.2.3.4/33", "::ffff:10.0.0.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseProxies(s)
		for _, p := range got {
			if err == nil && !p.IsValid() {
				t.Fatalf("invalid prefix %v from %q", p, s)
			}
		}
	})
}

// HSTS goes with every answer to a request that came over TLS, to this
// server or to a trusted proxy that says so, and with no other (issue 13,
// finding 10).
func TestHSTSOnlyOverTLS(t *testing.T) {
	lan := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	k := &Kit{proxies: Proxies{Header: "X-Forwarded-For", Trusted: lan}}
	h := k.securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tests := []struct {
		name  string
		peer  string
		tls   bool
		proto string
		want  bool
	}{
		{"plain HTTP", "192.0.2.1:1", false, "", false},
		{"TLS to the server", "192.0.2.1:1", true, "", true},
		{"trusted proxy says https", "10.0.0.1:1", false, "https", true},
		{"trusted proxy says http", "10.0.0.1:1", false, "http", false},
		{"a client says https", "192.0.2.1:1", false, "https", false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.peer
		if tt.tls {
			r.TLS = &tls.ConnectionState{}
		}
		if tt.proto != "" {
			r.Header.Set("X-Forwarded-Proto", tt.proto)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if got := w.Header().Get("Strict-Transport-Security") != ""; got != tt.want {
			t.Errorf("%s: HSTS %v, want %v", tt.name, got, tt.want)
		}
	}
}
