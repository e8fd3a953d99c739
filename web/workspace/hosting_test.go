package workspace

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/geo"
	"github.com/vigie-platform/vigie/hosting"
	"github.com/vigie-platform/vigie/report"
)

type countingResolver struct{ calls atomic.Int64 }

func (c *countingResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	c.calls.Add(1)
	return []netip.Addr{netip.MustParseAddr("51.38.1.2")}, nil
}

type fixedLocator struct{}

func (fixedLocator) Locate(netip.Addr) (geo.Info, error) {
	return geo.Info{Country: "FR", ASN: 16276, Org: "OVH <b>SAS</b>"}, nil
}

type countingFetcher struct{ calls atomic.Int64 }

func (c *countingFetcher) Fetch(context.Context, string, int64) (int, []byte, error) {
	c.calls.Add(1)
	return 200, []byte("Contact: mailto:security@boutique.example.fr\n"), nil
}

// The button traces the case, the page shows the trace, the notice form
// is prefilled with the contact found, the act is audited; a minors case
// is never resolved nor fetched.
func TestHostingTraceOverHTTP(t *testing.T) {
	e := newWSEnv(t)
	dir, err := hosting.ParseDirectory([]byte("domain kids.example abuse@kids.example\n"))
	if err != nil {
		t.Fatal(err)
	}
	res, fetch := &countingResolver{}, &countingFetcher{}
	e.s.Hosting = &hosting.Service{Store: e.DB, Tracer: &hosting.Tracer{Resolver: res, Locator: fixedLocator{}, Directory: dir, Fetcher: fetch}}
	analyst, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	ana := e.session(analyst)
	fraud := e.Submit(report.Submission{Category: "fraud.scam", Description: "faux site", URLs: []string{"https://boutique.example.fr/p?<b>x</b>"}})
	minors := e.Submit(report.Submission{Category: "minors.abuse-material", Description: "forum", URLs: []string{"https://img.kids.example/m/1"}})
	cf, _ := e.Cases.Create(bg, "Boutique", []string{fraud}, "ana")
	cm, _ := e.Cases.Create(bg, "Forum", []string{minors}, "ana")

	before := e.Do("GET", "/w/cases/"+cf.ID, ana, nil).Body.String()
	if !strings.Contains(before, "Pas encore tracé") || !strings.Contains(before, `action="/w/cases/`+cf.ID+`/trace"`) {
		t.Fatal("the case page offers no trace")
	}
	w := e.Do("POST", "/w/cases/"+cf.ID+"/trace", ana, url.Values{})
	if w.Code != http.StatusSeeOther || !strings.Contains(w.Header().Get("Location"), "#hosting") {
		t.Fatalf("trace: %d %s", w.Code, w.Header().Get("Location"))
	}
	page := e.Do("GET", "/w/cases/"+cf.ID, ana, nil).Body.String()
	for _, want := range []string{`id="hosting-trace"`, "AS16276 OVH &lt;b&gt;SAS&lt;/b&gt;", "<strong>security@boutique.example.fr</strong>", "security.txt",
		"mmdb:GeoLite2-ASN", `name="host" value="security@boutique.example.fr"`, `<option value="security@boutique.example.fr">`, "p?&lt;b&gt;x&lt;/b&gt;"} {
		if !strings.Contains(page, want) {
			t.Errorf("the traced case page lacks %q", want)
		}
	}
	if len(e.Audited("case.trace_hosting", cf.ID)) != 1 {
		t.Error("the trace is not audited")
	}
	if res.calls.Load() != 1 || fetch.calls.Load() != 1 {
		t.Errorf("%d resolutions, %d fetches; want 1, 1", res.calls.Load(), fetch.calls.Load())
	}

	if w := e.Do("POST", "/w/cases/"+cm.ID+"/trace", ana, url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatalf("minors trace: %d", w.Code)
	}
	if res.calls.Load() != 1 || fetch.calls.Load() != 1 {
		t.Errorf("a minors case was resolved or fetched: %d resolutions, %d fetches", res.calls.Load(), fetch.calls.Load())
	}
	mpage := e.Do("GET", "/w/cases/"+cm.ID, ana, nil).Body.String()
	if !strings.Contains(mpage, `id="hosting-neverfetch"`) || !strings.Contains(mpage, `value="abuse@kids.example"`) {
		t.Error("the minors case page does not show its directory-only trace")
	}
	en := e.Do("GET", "/w/cases/"+cf.ID+"?lang=en", ana, nil).Body.String()
	if !strings.Contains(en, "Trace again") || !strings.Contains(en, "Abuse contact") {
		t.Error("the English page lacks the trace's words")
	}
}

// A case referred without a trace is traced then, as the analyst who
// referred it; a case without URLs is not.
func TestHostingTracedOnReferral(t *testing.T) {
	e := newWSEnv(t)
	res, fetch := &countingResolver{}, &countingFetcher{}
	e.s.Hosting = &hosting.Service{Store: e.DB, Tracer: &hosting.Tracer{Resolver: res, Locator: fixedLocator{}, Directory: hosting.Default(), Fetcher: fetch}}
	analyst, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	ana := e.session(analyst)
	refer := func(urls ...string) string {
		id := e.Submit(report.Submission{Category: "fraud.scam", Description: "faux site", URLs: urls})
		c, err := e.Cases.Create(bg, "Boutique", []string{id}, "ana")
		if err != nil {
			t.Fatal(err)
		}
		for _, step := range []struct {
			path string
			form url.Values
		}{
			{"/qualify", url.Values{"category": {"fraud.scam"}, "legal": {"Code pénal art. 313-1"}, "summary": {"Escroquerie"}, "priority": {"high"}}},
			{"/refer", url.Values{"destination": {"ofac-fraud"}}},
		} {
			if w := e.Do("POST", "/w/cases/"+c.ID+step.path, ana, step.form); w.Code != http.StatusSeeOther {
				t.Fatalf("%s: %d %s", step.path, w.Code, w.Body.String())
			}
		}
		e.s.background.Wait()
		return c.ID
	}
	id := refer("https://boutique.example.fr/a")
	traces, err := e.DB.CaseTraces(bg, id)
	if err != nil || len(traces) != 1 || traces[0].Abuse != "abuse@ovh.net" || traces[0].Actor != "ana@vigie.test" {
		t.Fatalf("traces after the referral: %+v %v", traces, err)
	}
	if len(e.Audited("case.trace_hosting", id)) != 1 {
		t.Error("the trace on referral is not audited")
	}
	if none := refer(); none == "" {
		t.Fatal("no case")
	} else if traces, _ := e.DB.CaseTraces(bg, none); len(traces) != 0 {
		t.Errorf("a case without URLs was traced: %+v", traces)
	}
	if res.calls.Load() != 1 {
		t.Errorf("%d resolutions, want 1", res.calls.Load())
	}
}
