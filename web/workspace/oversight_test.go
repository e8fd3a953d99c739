package workspace

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/blocking"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/removal"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/taxonomy"
	"github.com/vigie-platform/vigie/web/webtest"
)

// escalate escalates a notice into a pending blocking request, as the
// lifecycle scheduler does when the deadline passed with the content
// online.
func (e *wsEnv) escalate(n removal.Notice, id string) blocking.Request {
	e.T.Helper()
	at := time.Now().UTC().Truncate(time.Microsecond)
	n.Status, n.EscalatedAt = removal.StatusEscalated, at
	r := blocking.Request{ID: id, NoticeID: n.ID, CaseID: n.CaseID, URL: n.URL, Domain: blocking.DomainOf(n.URL), Category: "fraud.scam",
		Reason: "toujours en ligne après l'échéance", RequestedAt: at, Batch: blocking.BatchOf(at), State: blocking.StatePending}
	if err := e.DB.EscalateNotice(bg, n, r); err != nil {
		e.T.Fatal(err)
	}
	return r
}

// oversightCase makes a qualified case whose report names url and carries
// an image, sends a notice for url and escalates it.
func (e *wsEnv) oversightCase(rawURL, id string) blocking.Request {
	e.T.Helper()
	rep := e.Submit(report.Submission{Description: "Faux site de vente <b>gras</b>, payé 300 €.", URLs: []string{rawURL},
		Attachments: []report.Upload{{Filename: "capture.png", Content: webtest.TinyPNG()}}})
	c, err := e.Cases.Create(bg, "Fiche "+id, []string{rep}, "setup")
	if err != nil {
		e.T.Fatal(err)
	}
	cat, _ := taxonomy.Default().Lookup("fraud.scam")
	if _, err := e.Cases.Qualify(bg, c.ID, "fraud.scam", cat.Legal[:1], "s", "normal", "setup"); err != nil {
		e.T.Fatal(err)
	}
	n, err := (&removal.Service{Store: e.DB}).Send(bg, c.ID, []string{rawURL}, rawURL, "Hébergeur", "administrative", "ana@vigie.test")
	if err != nil {
		e.T.Fatal(err)
	}
	return e.escalate(n, id)
}

func TestOversightPages(t *testing.T) {
	e := newWSEnv(t)
	qp, _ := e.User("qp@arcom.test", account.RoleOversight, "")
	aud, _ := e.User("aud@vigie.test", account.RoleAuditor, "")
	c := e.session(qp)
	first := e.oversightCase("https://boutique-piege.example/produit/1?ref=<x>", "req-1")
	second := e.oversightCase("https://second.example/a", "req-2")
	third := e.oversightCase("https://troisieme.example/b", "req-3")
	week := first.Batch

	// The list of batches: the week, its counts, and the view audited.
	list := e.Do("GET", "/w/oversight", c, nil)
	if list.Code != 200 || !strings.Contains(list.Body.String(), "/w/oversight/"+week) || strings.Contains(list.Body.String(), "%!") {
		t.Fatalf("batches: %d %s", list.Code, list.Body)
	}
	if len(e.Audited("oversight.list", "")) != 1 {
		t.Error("the list of batches was not audited")
	}

	// The batch page: text only. The URL is shown, escaped, never as a
	// link; the report's attachment is counted, never shown nor linked.
	page := e.Do("GET", "/w/oversight/"+week, c, nil)
	body := page.Body.String()
	if page.Code != 200 || strings.Contains(body, "%!") || !strings.Contains(body, "Lot de la semaine ") {
		t.Fatalf("batch page: %d", page.Code)
	}
	for _, want := range []string{"https://boutique-piege.example/produit/1?ref=&lt;x&gt;", "Faux site de vente &lt;b&gt;gras&lt;/b&gt;", "1 pièce jointe, non affichée", "boutique-piege.example", "toujours en ligne"} {
		if !strings.Contains(body, want) {
			t.Errorf("batch page lacks %q", want)
		}
	}
	for _, banned := range []string{`href="https://`, `href="http://`, "/attachments/", "<img", "<video", "<iframe", "<object", "<embed"} {
		if strings.Contains(body, banned) {
			t.Errorf("batch page holds %q: media or a fetching link", banned)
		}
	}
	if strings.Count(body, `src="`) != strings.Count(body, `src="/static/`) {
		t.Error("the batch page loads something other than the workspace's own files")
	}
	if id := anyUUID.FindString(visibleText(body)); id != "" || !caseLike.MatchString(visibleText(body)) {
		t.Errorf("the batch page shows the internal id %q, or no case number", id)
	}
	if got := e.Audited("oversight.view", week); len(got) != 1 || got[0].Actor != "qp@arcom.test" {
		t.Errorf("the batch view was not audited: %+v", got)
	}

	// A refusal needs a reason: the page comes back with the problem at
	// the request's form, nothing changed.
	w := e.Do("POST", "/w/oversight/requests/"+first.ID+"/review", c, url.Values{"decision": {"refused"}, "reason": {"  "}})
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "Un refus doit être motivé") || !strings.Contains(w.Body.String(), `href="#req-`+first.ID+`"`) {
		t.Fatalf("refusal without a reason: %d", w.Code)
	}
	if r, _ := e.DB.BlockingRequest(bg, first.ID); r.State != blocking.StatePending {
		t.Fatalf("refused without a reason: %+v", r)
	}

	// Refused with a reason: recorded, audited, visible in the trail.
	w = e.Do("POST", "/w/oversight/requests/"+first.ID+"/review", c, url.Values{"decision": {"refused"}, "reason": {"citation dans un article de presse"}})
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/w/oversight/"+week) {
		t.Fatalf("refusal: %d %s", w.Code, w.Header().Get("Location"))
	}
	if r, _ := e.DB.BlockingRequest(bg, first.ID); r.State != blocking.StateRefused || r.ReviewedBy != "qp@arcom.test" || r.ReviewReason != "citation dans un article de presse" {
		t.Fatalf("refused: %+v", r)
	}
	if got := e.Audited("blocking.refuse", first.ID); len(got) != 1 || got[0].Actor != "qp@arcom.test" || !strings.Contains(got[0].Detail, "citation") {
		t.Fatalf("refusal's entry: %+v", got)
	}
	trail := e.Do("GET", "/w/audit?action=blocking.refuse", e.session(aud), nil)
	if trail.Code != 200 || !strings.Contains(trail.Body.String(), "citation dans un article de presse") {
		t.Errorf("the refusal is not in the audit trail's page: %d", trail.Code)
	}

	// Refused stays refused: a late approval is answered on the page, with
	// who decided first, and changes nothing.
	w = e.Do("POST", "/w/oversight/requests/"+first.ID+"/review", c, url.Values{"decision": {"approved"}, "reason": {"mon motif"}})
	if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "déjà été refusée par qp@arcom.test") || !strings.Contains(w.Body.String(), `id="req-`+first.ID+`"`) {
		t.Fatalf("second review: %d %s", w.Code, w.Body)
	}
	if r, _ := e.DB.BlockingRequest(bg, first.ID); r.State != blocking.StateRefused {
		t.Fatalf("a refused request changed: %+v", r)
	}
	if len(e.Audited("blocking.approve", first.ID)) != 0 {
		t.Error("an approval that did not happen was recorded")
	}

	// A batch decision without a decision keeps what was typed.
	form := url.Values{"request": {second.ID, first.ID}, "reason": {"motif gardé"}}
	w = e.Do("POST", "/w/oversight/"+week+"/review", c, form)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "motif gardé") || !regexp.MustCompile(`id="sel-`+second.ID+`"[^>]*checked`).MatchString(w.Body.String()) {
		t.Fatalf("batch decision without a decision: %d", w.Code)
	}
	// One decision on the page's requests: those pending are approved, one
	// entry each and one for the act; the refused one stays refused.
	form = url.Values{"all": {"1"}, "shown": {second.ID + " " + third.ID}, "request": {first.ID}, "decision": {"approved"}, "reason": {"apologie manifeste"}}
	w = e.Do("POST", "/w/oversight/"+week+"/review", c, form)
	if w.Code != http.StatusSeeOther || !strings.Contains(w.Header().Get("Location"), "decided=2&skipped=1") {
		t.Fatalf("batch decision: %d %s", w.Code, w.Header().Get("Location"))
	}
	for _, id := range []string{second.ID, third.ID} {
		if r, _ := e.DB.BlockingRequest(bg, id); r.State != blocking.StateApproved {
			t.Errorf("%s not approved: %+v", id, r)
		}
		if len(e.Audited("blocking.approve", id)) != 1 {
			t.Errorf("%s: no entry of its own", id)
		}
	}
	if r, _ := e.DB.BlockingRequest(bg, first.ID); r.State != blocking.StateRefused {
		t.Fatalf("a batch approval reached a refused request: %+v", r)
	}
	if len(e.Audited("blocking.review_batch", week)) != 1 {
		t.Error("the batch decision's own entry is missing")
	}
	after := e.Do("GET", w.Header().Get("Location"), c, nil).Body.String()
	if !strings.Contains(after, "2 demandes décidées") || !strings.Contains(after, "1 demande déjà examinée") {
		t.Errorf("the batch decision's outcome is not said")
	}
	if n, _ := e.DB.BlockingRequests(bg, blocking.Filter{State: blocking.StateApproved}); len(n) != 2 {
		t.Errorf("approved: %d", len(n))
	}
}

// TestOversightIsApart: the qualified person sees none of the analysts'
// pages, the analysts none of theirs; admins see the counts only.
func TestOversightIsApart(t *testing.T) {
	e := newWSEnv(t)
	req := e.oversightCase("https://apart.example/x", "req-apart")
	qp, _ := e.User("qp@arcom.test", account.RoleOversight, "")
	ana, _ := e.User("ana2@vigie.test", account.RoleAnalyst, "")
	sup, _ := e.User("sup@vigie.test", account.RoleSupervisor, "")
	adm, _ := e.User("adm@vigie.test", account.RoleAdmin, "")
	cases, _ := e.DB.ListCases(bg, casefile.Filter{Limit: 1})
	for _, tc := range []struct {
		who  account.User
		path string
		want int
	}{
		{qp, "/w/queue", 403}, {qp, "/w/cases", 403}, {qp, "/w/cases/" + cases[0].ID, 403}, {qp, "/w/search", 403}, {qp, "/w/audit", 403},
		{ana, "/w/oversight", 403}, {ana, "/w/oversight/" + req.Batch, 403},
		{sup, "/w/oversight", 403}, {sup, "/w/oversight/" + req.Batch, 403},
		{adm, "/w/oversight", 200}, {adm, "/w/oversight/" + req.Batch, 403},
		{qp, "/w/oversight/" + req.Batch, 200}, {qp, "/w/oversight/2026-W99", 404}, {qp, "/w/oversight/x", 404},
	} {
		if w := e.Do("GET", tc.path, e.session(tc.who), nil); w.Code != tc.want {
			t.Errorf("%s GET %s: %d, want %d", tc.who.Role, tc.path, w.Code, tc.want)
		}
	}
	if w := e.Do("POST", "/w/oversight/requests/"+req.ID+"/review", e.session(ana), url.Values{"decision": {"approved"}}); w.Code != 403 {
		t.Errorf("an analyst reviewed: %d", w.Code)
	}
	if w := e.Do("POST", "/w/oversight/requests/nope/review", e.session(qp), url.Values{"decision": {"approved"}}); w.Code != 404 {
		t.Errorf("an unknown request: %d", w.Code)
	}
	// The home page sends the qualified person to the batches.
	if w := e.Do("GET", "/w/", e.session(qp), nil); !strings.HasPrefix(w.Header().Get("Location"), "/w/oversight") {
		t.Errorf("home: %s", w.Header().Get("Location"))
	}
	// Admins' list names the weeks without linking into them.
	if body := e.Do("GET", "/w/oversight", e.session(adm), nil).Body.String(); strings.Contains(body, `href="/w/oversight/`) {
		t.Error("the admin's list links to the batches' pages")
	}
}

func TestWeekBounds(t *testing.T) {
	for _, tc := range []struct {
		week, from string
		ok         bool
	}{
		{"2026-W49", "2026-11-30", true}, {"2026-W01", "2025-12-29", true}, {"2026-W53", "2026-12-28", true}, {"2025-W53", "", false}, {"2020-W53", "2020-12-28", true},
		{"2026-W00", "", false}, {"2026-W54", "", false}, {"26-W01", "", false},
	} {
		from, _, ok := weekBounds(tc.week)
		if ok != tc.ok || (tc.from != "" && from.Format(time.DateOnly) != tc.from) {
			t.Errorf("%s: %s %v", tc.week, from, ok)
		}
	}
}

// FuzzWeekBounds: a week name read from a URL is either refused or gives
// the Monday and Sunday of exactly that ISO week in Paris.
func FuzzWeekBounds(f *testing.F) {
	for _, s := range []string{"2026-W49", "2026-W53", "2025-W53", "0000-W01", "9999-W52", "2026-W1", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, w string) {
		from, to, ok := weekBounds(w)
		if !ok {
			return
		}
		if blocking.BatchOf(from) != w || blocking.BatchOf(to) != w || blocking.BatchOf(from.Add(-time.Minute)) == w || from.Weekday() != time.Monday || to.Sub(from) > 7*24*time.Hour {
			t.Fatalf("%q: %s – %s", w, from, to)
		}
	})
}
