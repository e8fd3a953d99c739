package correlate

import (
	"strings"
	"testing"

	"github.com/vigie-platform/vigie/indicator"
)

func TestDefaultWarningList(t *testing.T) {
	w := DefaultWarningList()
	cases := []struct {
		typ    indicator.Type
		value  string
		listed bool
	}{
		{indicator.Domain, "gmail.com", true},
		{indicator.Host, "www.facebook.com", true},
		{indicator.Domain, "bit.ly", true},
		{indicator.Host, "faux-site.github.io", true}, // suffix rule
		{indicator.Domain, "github.io", true},
		{indicator.Domain, "notgithub.io", false}, // a suffix is matched on a label boundary
		{indicator.IP, "192.168.1.20", true},
		{indicator.IP, "::1", true},
		{indicator.IP, "203.0.113.9", false},
		{indicator.Email, "arnaqueur@gmail.com", false}, // an address still links
		{indicator.URL, "https://bit.ly/3xYz", false},   // so does a short link
		{indicator.Domain, "faux-shop.fr", false},
	}
	for _, c := range cases {
		reason, listed := w.Check(c.typ, c.value)
		if listed != c.listed || (listed && reason == "") {
			t.Errorf("Check(%s, %s) = %q, %v; want listed=%v", c.typ, c.value, reason, listed, c.listed)
		}
	}
	if w.Cap < 2 {
		t.Errorf("cap = %d", w.Cap)
	}
}

func TestParseWarningListRejects(t *testing.T) {
	cases := map[string]string{
		`{"version":2,"cap":10,"rules":[]}`: "version",
		`{"version":1,"cap":1,"rules":[]}`:  "cap",
		`{"version":1,"cap":10,"rules":[{"types":["domain"],"match":"regex","values":["x"],"reason":"r"}]}`:      "match",
		`{"version":1,"cap":10,"rules":[{"types":["colour"],"match":"exact","values":["x"],"reason":"r"}]}`:      "colour",
		`{"version":1,"cap":10,"rules":[{"types":["ip"],"match":"cidr","values":["10.0.0.0/33"],"reason":"r"}]}`: "10.0.0.0/33",
		`{"version":1,"cap":10,"rules":[{"types":["ip"],"match":"exact","values":["x"]}]}`:                       "reason",
	}
	for doc, want := range cases {
		if _, err := ParseWarningList([]byte(doc)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want mention of %q", doc, err, want)
		}
	}
}
