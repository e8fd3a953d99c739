package routing_test

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/destination"
	"github.com/vigie-platform/vigie/geo"
	"github.com/vigie-platform/vigie/geo/geotest"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/routing"
)

// mapResolver answers from a table: tests never use DNS.
type mapResolver map[string]string

func (m mapResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if ip, ok := m[host]; ok {
		return []netip.Addr{netip.MustParseAddr(ip)}, nil
	}
	return nil, errors.New("no such host")
}

func gatherer(t *testing.T) routing.Gatherer {
	t.Helper()
	c, a := geotest.Write(t, []geotest.Network{
		{CIDR: "198.51.100.0/24", Country: "NL", ASN: 64500, Org: "Offshore Hosting BV"},
		{CIDR: "203.0.113.0/24", Country: "FR", ASN: 64501, Org: "Hébergeur SAS"},
		{CIDR: "192.0.2.0/24", Country: "US", ASN: 64502, Org: "Cloud Inc"},
	})
	m, err := geo.Open(c, a)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return routing.Gatherer{Locator: m, Resolver: mapResolver{
		"forum-abroad.example":  "198.51.100.10",
		"boutique-fr.example":   "203.0.113.5",
		"faux-support.example":  "192.0.2.44",
		"propagande-fr.example": "203.0.113.9",
	}}
}

func TestDefaultRulesOnRealisticCases(t *testing.T) {
	reg := destination.Default()
	rules, err := routing.Default(reg)
	if err != nil {
		t.Fatal(err)
	}
	g := gatherer(t)
	rep := func(category string, urls ...string) report.Report {
		return report.Report{Category: category, URLs: urls}
	}
	cases := []struct {
		name    string
		c       casefile.Case
		reports []report.Report
		want    []string
		fired   []string
	}{
		{"child abuse hosted abroad", casefile.Case{Category: "minors.abuse-material"},
			[]report.Report{rep("minors.abuse-material", "https://forum-abroad.example/t/1")},
			[]string{"hotline-abroad", "interpol"}, []string{"child-abuse-hosted-abroad"}},
		{"child abuse hosted in France", casefile.Case{Category: "minors.abuse-material"},
			[]report.Report{rep("minors.abuse-material", "https://boutique-fr.example/x")},
			[]string{"ofmin"}, []string{"minors"}},
		{"grooming, no URL", casefile.Case{Category: "minors.grooming"}, []report.Report{rep("minors.grooming")},
			[]string{"ofmin"}, []string{"minors"}},
		{"terrorism hosted in France", casefile.Case{Category: "terrorism.apology"},
			[]report.Report{rep("terrorism.apology", "https://propagande-fr.example/video")},
			[]string{"antiterrorism"}, []string{"terrorism"}},
		{"scam, victim in the Rhône, site in France", casefile.Case{Category: "fraud.scam", VictimDepartement: "69"},
			[]report.Report{{Category: "fraud.scam", URLs: []string{"hxxps://boutique-fr[.]example/p"}, Loss: &report.Loss{AmountCents: 125050}}},
			[]string{"ofac-fraud", "local-police-69"}, []string{"scams", "victim-in-a-departement"}},
		{"tech-support scam hosted in the US", casefile.Case{Category: "fraud.scam"},
			[]report.Report{rep("fraud.scam", "https://faux-support.example/")},
			[]string{"ofac-fraud", "interpol"}, []string{"scams", "author-or-content-abroad"}},
		{"racist posts by an author in Belgium", casefile.Case{Category: "hate.racism", ReporterCountry: "BE"},
			[]report.Report{rep("hate.racism")}, []string{"interpol"}, []string{"author-or-content-abroad"}},
		{"trafficking, victim in Corsica", casefile.Case{Category: "trafficking.goods", VictimDepartement: "2A"},
			[]report.Report{rep("trafficking.goods", "http://203.0.113.77/shop")},
			[]string{"customs-cyber", "local-police-2a"}, []string{"trafficking", "victim-in-a-departement"}},
		{"nothing specific", casefile.Case{Category: "other"}, []report.Report{rep("other", "https://unknown-host.example/")},
			[]string{"ofac"}, []string{"fallback"}},
		{"unknown département proposes no local service", casefile.Case{Category: "other", VictimDepartement: "99"},
			[]report.Report{rep("other")}, []string{"ofac"}, []string{"victim-in-a-departement", "fallback"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := g.Facts(context.Background(), tc.c, tc.reports)
			p, err := rules.Propose(f, reg)
			if err != nil {
				t.Fatal(err)
			}
			var fired []string
			for _, r := range p.Fired {
				fired = append(fired, r.Rule)
				if r.Reason == "" {
					t.Errorf("rule %s fired without a reason", r.Rule)
				}
			}
			if !slices.Equal(p.Destinations, tc.want) || !slices.Equal(fired, tc.fired) {
				t.Errorf("got %v by %v, want %v by %v (facts %+v)", p.Destinations, fired, tc.want, tc.fired, f)
			}
		})
	}
}

func TestFactsFromHosts(t *testing.T) {
	g := gatherer(t)
	f := g.Facts(context.Background(), casefile.Case{Category: "fraud.scam"}, []report.Report{
		{Category: "fraud.scam", Urgent: true, URLs: []string{"https://forum-abroad.example/a", "https://forum-abroad.example/b", "https://boutique-fr.example/"},
			Loss: &report.Loss{AmountCents: 10000}},
		{Category: "fraud.scam", Loss: &report.Loss{AmountCents: 2550}},
	})
	if !f.Urgent || f.AmountLost != 125.5 || len(f.Hosts) != 2 || !f.HostedAbroad || !slices.Equal(f.HostCountries, []string{"FR", "NL"}) {
		t.Fatalf("facts: %+v", f)
	}
	if f.Hosts[0].ASN != 64500 || f.Hosts[0].Org != "Offshore Hosting BV" || f.Hosts[0].IP != "198.51.100.10" {
		t.Errorf("host: %+v", f.Hosts[0])
	}
	// Without databases nothing is known, and nothing is abroad.
	bare := routing.Gatherer{}.Facts(context.Background(), casefile.Case{}, []report.Report{{Category: "other", URLs: []string{"https://forum-abroad.example/"}}})
	if bare.HostedAbroad || bare.Hosts[0].Country != "" || bare.Category != "other" {
		t.Errorf("without geo: %+v", bare)
	}
}

func TestRulesCheckedAtLoad(t *testing.T) {
	reg := destination.Default()
	cases := []struct {
		name, doc, want string
	}{
		{"syntax", `{"version":1,"rules":[{"name":"a","when":"Category ==","route":["ofac"],"reason":"r"}]}`, "rule 1 (a): when:"},
		{"unknown fact", `{"version":1,"rules":[{"name":"a","when":"Colour == 'red'","route":["ofac"],"reason":"r"}]}`, "rule 1 (a): when:"},
		{"not a condition", `{"version":1,"rules":[{"name":"a","when":"AmountLost * 2","route":["ofac"],"reason":"r"}]}`, "rule 1 (a): when:"},
		{"unknown destination", `{"version":1,"rules":[{"name":"a","when":"true","route":["ofac"],"reason":"r"},{"name":"b","when":"true","route":["nowhere"],"reason":"r"}]}`, `rule 2 (b): route: unknown destination "nowhere"`},
		{"unknown placeholder", `{"version":1,"rules":[{"name":"a","when":"true","route":["local-police-{Town}"],"reason":"r"}]}`, "unknown placeholder {Town}"},
		{"template names nothing", `{"version":1,"rules":[{"name":"a","when":"true","route":["police-{VictimDepartement}"],"reason":"r"}]}`, "names no destination"},
		{"no reason", `{"version":1,"rules":[{"name":"a","when":"true","route":["ofac"]}]}`, "reason is required"},
		{"twice", `{"version":1,"rules":[{"name":"a","when":"true","route":["ofac"],"reason":"r"},{"name":"a","when":"true","route":["ofac"],"reason":"r"}]}`, "used twice"},
		{"unknown field", `{"version":1,"rules":[{"name":"a","when":"true","route":["ofac"],"reason":"r","priority":1}]}`, "unknown field"},
		{"version", `{"version":2,"rules":[]}`, "version 2"},
	}
	for _, tc := range cases {
		_, err := routing.Parse([]byte(tc.doc), reg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}
