package safehttp

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestPublic(t *testing.T) {
	cases := map[string]bool{
		"8.8.8.8": true, "2a00:1450:4007::1": true, "93.184.216.34": true,
		"127.0.0.1": false, "127.9.9.9": false, "::1": false, "10.1.2.3": false, "172.16.0.1": false, "172.31.255.255": false,
		"192.168.1.1": false, "169.254.169.254": false, "100.64.0.1": false, "0.0.0.0": false, "224.0.0.1": false,
		"::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false, "::ffff:8.8.8.8": true, "fd00::1": false, "fe80::1": false,
		"64:ff9b::a00:1": false, "2002:a00:1::": false, "198.18.0.1": false, "255.255.255.255": false,
	}
	for s, want := range cases {
		if got := Public(netip.MustParseAddr(s), false); got != want {
			t.Errorf("Public(%s) = %v, want %v", s, got, want)
		}
	}
	if !Public(netip.MustParseAddr("127.0.0.1"), true) || Public(netip.MustParseAddr("10.0.0.1"), true) {
		t.Error("AllowLoopback admits loopback only")
	}
}

// fakeResolver answers every name with one address, like a rebinding DNS.
func fakeResolver(addr string) *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dnsAnswer(addr), nil
	}}
}

func TestClientRefusesInternalTargets(t *testing.T) {
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("secret")) }))
	defer internal.Close()
	port := internal.URL[strings.LastIndex(internal.URL, ":")+1:]
	// The redirector sends to a name that resolves to a private address.
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://internal.example:"+port+"/admin", http.StatusFound)
	}))
	defer redirector.Close()

	strict := NewClient(Options{})
	cases := []struct {
		name string
		c    *http.Client
		url  string
	}{
		{"loopback", strict, internal.URL},
		{"loopback by name", strict, "http://localhost:" + port + "/"},
		{"IPv6 loopback", strict, "http://[::1]:" + port + "/"},
		{"IPv4-mapped IPv6 loopback", strict, "http://[::ffff:127.0.0.1]:" + port + "/"},
		{"private range", strict, "http://10.255.255.1:" + port + "/"},
		{"cloud metadata", strict, "http://169.254.169.254/latest/meta-data/"},
		// The redirector itself is reachable only with loopback allowed;
		// its redirect to a private address must still fail.
		{"redirect to a private address", NewClient(Options{AllowLoopback: true, Resolver: fakeResolver("10.0.0.7")}), redirector.URL + "/"},
		{"DNS rebinding: a public name resolving to loopback", NewClient(Options{Resolver: fakeResolver("127.0.0.1")}), "http://rebind.example:" + port + "/"},
	}
	for _, tc := range cases {
		_, body, err := Get(context.Background(), tc.c, tc.url, 1<<10)
		if err == nil || !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("%s: err=%v body=%q, want a forbidden address", tc.name, err, body)
		}
	}
	// Loopback allowed (tests only): the same server answers, capped.
	_, body, err := Get(context.Background(), NewClient(Options{AllowLoopback: true}), internal.URL, 3)
	if err != nil || string(body) != "sec" {
		t.Fatalf("allowed loopback: %q %v", body, err)
	}
	if _, _, err := Get(context.Background(), strict, "file:///etc/passwd", 10); err == nil {
		t.Error("a file: URL was fetched")
	}
}
