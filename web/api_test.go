package web

import (
	"net/http/httptest"
	"testing"
)

func FuzzDecodeStrict(f *testing.F) {
	for _, s := range []string{`{"category":"x"}`, `{"colour":1}`, `[`, "\xff", `{"urls":[1]}`, `{"loss":{"amount":"1,5"}}`, `{} {}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v apiReport
		fields, err := decodeStrict(b, &v)
		if (err == nil) != (fields == nil) {
			t.Fatalf("err=%v fields=%v", err, fields)
		}
		for k, msg := range fields {
			if k == "" || msg == "" {
				t.Fatalf("unnamed problem: %v", fields)
			}
		}
	})
}

func TestLink(t *testing.T) {
	fr, en := page{Lang: "fr"}, page{Lang: "en"}
	cases := []struct {
		p        page
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
	plain := &server{}
	if got := plain.clientIP(r); got != "10.0.0.1" {
		t.Errorf("without a trusted header: %s", got)
	}
	proxied := &server{Deps: Deps{Limits: Limits{RealIPHeader: "X-Forwarded-For"}}}
	if got := proxied.clientIP(r); got != "203.0.113.9" {
		t.Errorf("with a trusted header: %s", got)
	}
}
