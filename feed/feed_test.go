package feed

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/vigie-platform/vigie/correlate"
)

var bg = context.Background()

// memStore holds approved entries in memory for the tests of formats and
// cache; the SQL stores are checked by storetest (Feeds).
type memStore struct {
	mu      sync.Mutex
	entries []Entry
	reads   int
}

func (m *memStore) BlocklistStamp(context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var st int64
	for _, e := range m.entries {
		st = max(st, e.Changed)
	}
	return st, nil
}

func (m *memStore) BlocklistChanges(_ context.Context, since int64) ([]Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Entry
	for _, e := range m.entries {
		if e.Changed > since {
			out = append(out, e)
		}
	}
	return out, nil
}

// change applies fn to entry i and stamps it.
func (m *memStore) change(i int, fn func(*Entry)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fn(&m.entries[i])
	st := int64(0)
	for _, e := range m.entries {
		st = max(st, e.Changed)
	}
	m.entries[i].Changed = st + int64(time.Hour/time.Microsecond)
}

func (m *memStore) ApprovedBlocking(_ context.Context, fn func(Entry) error) error {
	m.mu.Lock()
	m.reads++
	es := append([]Entry(nil), m.entries...)
	m.mu.Unlock()
	for _, e := range es {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

func (m *memStore) PaymentIdentifiers(context.Context, PaymentRule, time.Time) ([]Payment, error) {
	return nil, nil
}
func (m *memStore) ClaimPush(context.Context, Push, time.Time) (bool, error) { return false, nil }
func (m *memStore) PushDone(context.Context, Push, time.Time, string) error  { return nil }

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func entry(id, url string, approved time.Duration) Entry {
	return Entry{ID: id, URL: url, Domain: domainOf(url), Category: "fraud.scam", ApprovedAt: t0.Add(approved)}
}

func domainOf(u string) string {
	_, rest, _ := strings.Cut(u, "://")
	host, _, _ := strings.Cut(rest, "/")
	return strings.ToLower(host)
}

var shared = SharedBy(correlate.DefaultWarningList())

func TestRPZName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"arnaque.example", "arnaque.example"},
		{"Faux-Conseiller.EXAMPLE.", "faux-conseiller.example"},
		{"banque-sécurité.fr", "xn--banque-scurit-ihbf.fr"},
		{"192.0.2.7", ""},                      // an address: not a name
		{"[2001:db8::1]", ""},                  // nor this one
		{"localhost", ""},                      // one label
		{"www.facebook.com", ""},               // a large platform: URL-level only
		{"pages.facebook.com", ""},             // its sub-domain too
		{"bit.ly", ""},                         // a shortener
		{"a b.example", ""},                    // a space
		{"x.example\nevil CNAME .", ""},        // an injected line
		{"x.example;comment", ""},              // a comment
		{"$include.example", ""},               // a directive
		{"@.example", ""},                      // the origin's sign
		{"-dash.example", ""},                  // a label starting with a hyphen
		{strings.Repeat("a", 64) + ".com", ""}, // a label too long
		{strings.Repeat("abcdefghi.", 21) + "example", ""},
		{"_dmarc.example", "_dmarc.example"},
	} {
		if got := RPZName(c.in, shared); got != c.want {
			t.Errorf("RPZName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func sampleStore() *memStore {
	return &memStore{entries: []Entry{
		entry("r1", "https://arnaque.example/login", 0),
		entry("r2", "https://arnaque.example/pay?x=1", time.Minute), // same host: listed once
		entry("r3", "https://www.facebook.com/faux.profil", 2*time.Minute),
		entry("r4", "http://192.0.2.7/phish", 3*time.Minute),
		entry("r5", "https://faux-conseiller.example/", 4*time.Minute),
	}}
}

var opts = Options{Grace: 48 * time.Hour, Zone: "rpz.test.", Shared: shared}

// parseZone reads a zone with miekg/dns, failing on any error.
func parseZone(t testing.TB, zone string, body []byte) []dns.RR {
	t.Helper()
	zp := dns.NewZoneParser(bytes.NewReader(body), zone, "")
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatalf("zone does not parse: %v\n%s", err, body)
	}
	return rrs
}

func TestRPZZone(t *testing.T) {
	g, err := Generate(bg, sampleStore(), FormatRPZ, t0.Add(time.Hour), opts)
	if err != nil {
		t.Fatal(err)
	}
	rrs := parseZone(t, "rpz.test.", g.Body)
	var got []string
	for _, rr := range rrs {
		got = append(got, strings.ReplaceAll(rr.String(), "\t", " "))
	}
	want := []string{
		"rpz.test. 300 IN SOA localhost. hostmaster.localhost. " + fmt.Sprint(t0.Add(4*time.Minute).Unix()) + " 300 60 86400 300",
		"rpz.test. 300 IN NS localhost.",
		"arnaque.example.rpz.test. 300 IN CNAME .",
		"*.arnaque.example.rpz.test. 300 IN CNAME .",
		"faux-conseiller.example.rpz.test. 300 IN CNAME .",
		"*.faux-conseiller.example.rpz.test. 300 IN CNAME .",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("zone records\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if g.Entries != 5 || g.Names != 2 {
		t.Errorf("entries %d names %d, want 5 and 2", g.Entries, g.Names)
	}
}

// TestLiveOnly: an entry gone for less than the grace stays, one gone
// for longer leaves every format, and the generation says when the next
// one will leave.
func TestLiveOnly(t *testing.T) {
	s := sampleStore()
	now := t0.Add(100 * time.Hour)
	s.entries[0].GoneSince = now.Add(-49 * time.Hour) // expired
	s.entries[1].GoneSince = now.Add(-49 * time.Hour) // expired: arnaque.example leaves the zone
	s.entries[4].GoneSince = now.Add(-47 * time.Hour) // still within the grace
	for _, f := range []string{FormatRPZ, FormatText, FormatCSV} {
		g, err := Generate(bg, s, f, now, opts)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(g.Body, []byte("arnaque.example")) {
			t.Errorf("%s still lists the expired entries:\n%s", f, g.Body)
		}
		if !bytes.Contains(g.Body, []byte("faux-conseiller.example")) {
			t.Errorf("%s lost the entry within its grace:\n%s", f, g.Body)
		}
		if g.Entries != 3 || !g.NextExpiry.Equal(now.Add(time.Hour)) {
			t.Errorf("%s: entries %d next expiry %v", f, g.Entries, g.NextExpiry)
		}
	}
}

func TestTextAndCSV(t *testing.T) {
	s := sampleStore()
	s.entries = append(s.entries, Entry{ID: "evil", URL: "https://evil.example/a b\r\nhttps://innocent.example/\x00", Domain: "evil.example", ApprovedAt: t0.Add(time.Hour)},
		Entry{ID: "formula", URL: "=HYPERLINK(\"x\")", Domain: "", Category: "@cmd", ApprovedAt: t0.Add(2 * time.Hour)})
	g, err := Generate(bg, s, FormatText, t0.Add(3*time.Hour), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := "https://arnaque.example/login\narnaque.example\nhttps://arnaque.example/pay?x=1\nhttps://www.facebook.com/faux.profil\nhttp://192.0.2.7/phish\n" +
		"https://faux-conseiller.example/\nfaux-conseiller.example\nhttps://evil.example/a%20b%0D%0Ahttps://innocent.example/%00\nevil.example\n=HYPERLINK(%22x%22)\n" // plain text: no formula to fear
	if string(g.Body) != want {
		t.Errorf("text feed\n%s\nwant\n%s", g.Body, want)
	}
	g, err = Generate(bg, s, FormatCSV, t0.Add(3*time.Hour), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(g.Body, []byte("\r\n")) || bytes.Count(g.Body, []byte("\r\n")) != 8 {
		t.Errorf("CSV records must end with CRLF, one per entry and a header:\n%q", g.Body)
	}
	recs, err := csv.NewReader(bytes.NewReader(g.Body)).ReadAll()
	if err != nil || len(recs) != 8 {
		t.Fatalf("CSV reads back as %d records: %v", len(recs), err)
	}
	if recs[1][5] != "arnaque.example" || recs[3][5] != "" || recs[4][5] != "" || recs[3][0] != "https://www.facebook.com/faux.profil" {
		t.Errorf("rpz_name column: %q", recs)
	}
	if last := recs[7]; last[0] != "'=HYPERLINK(%22x%22)" || last[2] != "'@cmd" {
		t.Errorf("a formula survived: %q", last)
	}
}

// FuzzRPZ: whatever URLs and hosts attackers write, the zone parses, and
// holds the SOA, the NS and for each listed name its two CNAME records to
// the root, nothing else, each under the zone.
func FuzzRPZ(f *testing.F) {
	for _, s := range []string{"arnaque.example", "x.example\nevil CNAME .", "$INCLUDE /etc/passwd", "a.example ; c", "é.example", "(a.example", "a.example)", `a\.b.example`, "*.example", "a..example", "xn--.example"} {
		f.Add(s, "https://"+s+"/p")
	}
	f.Fuzz(func(t *testing.T, domain, url string) {
		s := &memStore{entries: []Entry{{ID: "1", URL: url, Domain: domain, ApprovedAt: t0}, {ID: "2", URL: "https://ok.example/", Domain: "ok.example", ApprovedAt: t0}}}
		g, err := Generate(bg, s, FormatRPZ, t0, opts)
		if err != nil {
			t.Fatal(err)
		}
		rrs := parseZone(t, "rpz.test.", g.Body)
		names := map[string]bool{"ok.example": true}
		if n := RPZName(domain, shared); n != "" {
			names[n] = true
		}
		if len(rrs) != 2+2*len(names) {
			t.Fatalf("%d records for %d names:\n%s", len(rrs), len(names), g.Body)
		}
		for _, rr := range rrs[2:] {
			c, ok := rr.(*dns.CNAME)
			owner := strings.TrimSuffix(strings.TrimPrefix(rr.Header().Name, "*."), ".rpz.test.")
			if !ok || c.Target != "." || !names[owner] {
				t.Fatalf("unexpected record %v in\n%s", rr, g.Body)
			}
		}
		for _, f := range []string{FormatText, FormatCSV} {
			g, err := Generate(bg, s, f, t0, opts)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Count(string(g.Body), "\n")
			if f == FormatText && lines != 2+len(names) || f == FormatCSV && lines != 3 {
				t.Fatalf("%s: %d lines for 2 entries:\n%q", f, lines, g.Body)
			}
		}
	})
}

// TestCacheSerial: the cache reads every row once, then only the changes;
// the serial
// stays while the content does and grows when it changes, also when the
// change carries no later time (a content back online); an expiry makes
// a new zone without any change in the database.
func TestCacheSerial(t *testing.T) {
	s := sampleStore()
	now := t0.Add(time.Hour)
	c := &Cache{Store: s, Options: opts, Reload: 1000 * time.Hour, Check: time.Nanosecond, Now: func() time.Time { now = now.Add(time.Millisecond); return now }}
	g1, err := c.Blocklist(bg, FormatRPZ)
	if err != nil {
		t.Fatal(err)
	}
	g2, _ := c.Blocklist(bg, FormatRPZ)
	if s.reads != 1 || g2.Serial != g1.Serial || !bytes.Equal(g1.Body, g2.Body) {
		t.Fatalf("unchanged: %d reads, serials %d %d", s.reads, g1.Serial, g2.Serial)
	}
	// Content gone (within the grace): the zone is the same, the serial too.
	s.change(4, func(e *Entry) { e.GoneSince = now.Add(-time.Hour) })
	g3, _ := c.Blocklist(bg, FormatRPZ)
	if s.reads != 1 || g3.Serial != g1.Serial || !bytes.Equal(g3.Body, g1.Body) {
		t.Fatalf("same content: %d reads, serial %d then %d", s.reads, g1.Serial, g3.Serial)
	}
	// Expiry: no change in the rows, but the time passed the grace.
	now = now.Add(48 * time.Hour)
	g4, _ := c.Blocklist(bg, FormatRPZ)
	if s.reads != 1 || g4.Serial <= g3.Serial || bytes.Contains(g4.Body, []byte("faux-conseiller")) {
		t.Fatalf("after expiry: %d reads, serial %d then %d\n%s", s.reads, g3.Serial, g4.Serial, g4.Body)
	}
	// Back online: the entry returns with no later time; the serial grows.
	s.change(4, func(e *Entry) { e.GoneSince = time.Time{} })
	g5, _ := c.Blocklist(bg, FormatRPZ)
	if g5.Serial <= g4.Serial || !bytes.Contains(g5.Body, []byte("faux-conseiller")) {
		t.Fatalf("back online: serial %d then %d\n%s", g4.Serial, g5.Serial, g5.Body)
	}
	if rrs := parseZone(t, "rpz.test.", g5.Body); rrs[0].(*dns.SOA).Serial != g5.Serial {
		t.Fatalf("the zone's SOA says %d, the feed %d", rrs[0].(*dns.SOA).Serial, g5.Serial)
	}
}

// TestCachePage: pages in the order of approval then id, from a position,
// with a filter, and new approvals appended after a change.
func TestCachePage(t *testing.T) {
	s := sampleStore()
	s.entries[1].ApprovedAt = s.entries[0].ApprovedAt // a tie, broken by id
	now := t0.Add(time.Hour)
	c := &Cache{Store: s, Options: opts, Check: time.Nanosecond, Now: func() time.Time { now = now.Add(time.Millisecond); return now }}
	ids := func(es []Entry) string {
		var out []string
		for _, e := range es {
			out = append(out, e.ID)
		}
		return strings.Join(out, " ")
	}
	p, more, err := c.Page(bg, time.Time{}, "", 2, nil)
	if err != nil || ids(p) != "r1 r2" || !more {
		t.Fatalf("first page %s %v %v", ids(p), more, err)
	}
	p, more, _ = c.Page(bg, p[1].ApprovedAt, p[1].ID, 2, nil)
	if ids(p) != "r3 r4" || !more {
		t.Fatalf("second page %s %v", ids(p), more)
	}
	p, more, _ = c.Page(bg, s.entries[0].ApprovedAt, "r1", 10, func(e Entry) bool { return e.ID != "r4" })
	if ids(p) != "r2 r3 r5" || more {
		t.Fatalf("after r1 without r4: %s %v", ids(p), more)
	}
	s.mu.Lock()
	s.entries = append(s.entries, Entry{ID: "r0", URL: "https://tard.example/", Domain: "tard.example", ApprovedAt: t0.Add(time.Hour), Changed: 1 << 40})
	s.mu.Unlock()
	p, _, _ = c.Page(bg, s.entries[4].ApprovedAt, "r5", 10, nil)
	if ids(p) != "r0" {
		t.Fatalf("after a new approval: %s", ids(p))
	}
}
