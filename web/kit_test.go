package web

import (
	"net/http/httptest"
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

func TestClientIPHonoursProxyHeaderOnlyWhenConfigured(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.0.0.1:5555"
	r.Header.Set("X-Forwarded-For", "203.0.113.9, 10.0.0.1")
	plain := &Kit{}
	if got := plain.ClientIP(r); got != "10.0.0.1" {
		t.Errorf("without a trusted header: %s", got)
	}
	proxied := &Kit{realIPHeader: "X-Forwarded-For"}
	if got := proxied.ClientIP(r); got != "203.0.113.9" {
		t.Errorf("with a trusted header: %s", got)
	}
}
