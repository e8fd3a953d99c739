package workspace

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/report"
)

// TestRemovalFromACaseCanBeUndone: "Retirer" acts in one click and the
// case page then offers, in one click, to put the report back.
func TestRemovalFromACaseCanBeUndone(t *testing.T) {
	e := newWSEnv(t)
	ana, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	kept, removed := e.Submit(report.Submission{Description: "reste"}), e.Submit(report.Submission{Description: "retiré par erreur"})
	cs, err := e.Cases.Create(bg, "Fiche", []string{kept, removed}, "setup")
	if err != nil {
		t.Fatal(err)
	}
	it, err := e.DB.TriageOf(bg, removed)
	if err != nil {
		t.Fatal(err)
	}
	c := e.session(ana)
	w := e.Do("POST", "/w/cases/"+cs.ID+"/remove", c, url.Values{"report": {removed}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("remove: %d %s", w.Code, w.Body.String())
	}
	back := w.Header().Get("Location")
	if !strings.Contains(back, "undo="+url.QueryEscape(it.Receipt)) {
		t.Fatalf("after removing, back to %s: the receipt to put back is not carried", back)
	}
	page := e.Do("GET", back, c, nil).Body.String()
	if !strings.Contains(page, `id="undo-remove"`) || !strings.Contains(visibleText(page), "remettre "+it.Receipt+" dans la fiche") {
		t.Fatalf("the case page offers no undo:\n%s", visibleText(page))
	}
	if got, _ := e.DB.CaseByID(bg, cs.ID); slices.Contains(got.ReportIDs, removed) {
		t.Fatal("the report was not removed")
	}
	if w := e.Do("POST", "/w/cases/"+cs.ID+"/reports", c, url.Values{"report": {it.Receipt}}); w.Code != http.StatusSeeOther {
		t.Fatalf("undo: %d %s", w.Code, w.Body.String())
	}
	if got, _ := e.DB.CaseByID(bg, cs.ID); !slices.Contains(got.ReportIDs, removed) {
		t.Error("undo did not put the report back")
	}
	// A plain visit, or one with something else than a receipt, offers nothing.
	for _, q := range []string{"", "?undo=%3Cscript%3E"} {
		if page := e.Do("GET", "/w/cases/"+cs.ID+q, c, nil).Body.String(); strings.Contains(page, `id="undo-remove"`) {
			t.Errorf("GET /w/cases/{id}%s offers an undo", q)
		}
	}
}

// TestSplitCanBeUndone: the page that follows a split offers to merge the
// new case back into its origin, in one click.
func TestSplitCanBeUndone(t *testing.T) {
	e := newWSEnv(t)
	ana, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	a, b := e.Submit(report.Submission{Description: "un"}), e.Submit(report.Submission{Description: "deux"})
	cs, err := e.Cases.Create(bg, "Fiche", []string{a, b}, "setup")
	if err != nil {
		t.Fatal(err)
	}
	c := e.session(ana)
	w := e.Do("POST", "/w/cases/"+cs.ID+"/split", c, url.Values{"report": {b}, "title": {"Scindée"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("split: %d %s", w.Code, w.Body.String())
	}
	page := e.Do("GET", w.Header().Get("Location"), c, nil).Body.String()
	if !strings.Contains(page, `id="undo-split"`) || !strings.Contains(visibleText(page), "refondre cette fiche dans "+cs.Number) {
		t.Fatalf("no undo after the split:\n%s", visibleText(page))
	}
	from := between(t, page, `<input type="hidden" name="from" value="`, `"`)
	if w := e.Do("POST", "/w/cases/"+cs.ID+"/merge", c, url.Values{"from": {from}}); w.Code != http.StatusSeeOther {
		t.Fatalf("undo: %d %s", w.Code, w.Body.String())
	}
	if got, _ := e.DB.CaseByID(bg, cs.ID); !slices.Contains(got.ReportIDs, b) || !slices.Contains(got.ReportIDs, a) {
		t.Errorf("after the undo the case holds %v, want both reports", got.ReportIDs)
	}
}

// TestBulkDecisionAsksForASecondLook: deciding several reports at once
// shows them back first, and nothing changes until it is confirmed; one
// report is decided at once.
func TestBulkDecisionAsksForASecondLook(t *testing.T) {
	e := newWSEnv(t)
	ana, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	c := e.session(ana)
	a, b, one := e.Submit(report.Submission{Description: "un"}), e.Submit(report.Submission{Description: "deux"}), e.Submit(report.Submission{Description: "seul"})
	form := url.Values{"report": {a, b}, "decision": {"unfounded"}, "reason": {"rien d'illicite <b>ici</b>"}, "back": {"/w/queue"}}
	w := e.Do("POST", "/w/queue/decide", c, form)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `id="confirm-decide"`) {
		t.Fatalf("bulk decision without confirmation: %d", w.Code)
	}
	assertNoMarkup(t, "confirmation", w.Body.String())
	ia, _ := e.DB.TriageOf(bg, a)
	ib, _ := e.DB.TriageOf(bg, b)
	text := visibleText(w.Body.String())
	if !strings.Contains(text, ia.Receipt) || !strings.Contains(text, ib.Receipt) || ia.State != "new" || ib.State != "new" {
		t.Fatalf("the confirmation must list both reports and change nothing: %s %s\n%s", ia.State, ib.State, text)
	}
	form.Set("confirm", "yes")
	if w := e.Do("POST", "/w/queue/decide", c, form); w.Code != http.StatusSeeOther {
		t.Fatalf("confirmed: %d %s", w.Code, w.Body.String())
	}
	for _, id := range []string{a, b} {
		if it, _ := e.DB.TriageOf(bg, id); it.State != "unfounded" {
			t.Errorf("after confirming, %s is %s", it.Receipt, it.State)
		}
	}
	if w := e.Do("POST", "/w/queue/decide", c, url.Values{"report": {one}, "decision": {"unfounded"}, "reason": {"rien"}, "back": {"/w/queue"}}); w.Code != http.StatusSeeOther {
		t.Errorf("a single report's decision: %d, want it made at once", w.Code)
	}
}

// TestUserFormMistakeIsNoDeadEnd: a mistake in the form to add an account
// shows the accounts page again with what was typed and the problem.
func TestUserFormMistakeIsNoDeadEnd(t *testing.T) {
	e := newWSEnv(t)
	admin, _ := e.User("admin@vigie.test", account.RoleAdmin, "")
	w := e.Do("POST", "/w/users", e.session(admin), url.Values{"email": {"service@police.test"}, "role": {"destination"}, "destination": {""}})
	body := w.Body.String()
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `role="alert"`) || !strings.Contains(body, `value="service@police.test"`) ||
		!strings.Contains(body, `<option value="destination" selected>`) {
		t.Fatalf("add a destination account without its service: %d\n%s", w.Code, visibleText(body))
	}
	if _, err := e.DB.UserByEmail(bg, "service@police.test"); err == nil {
		t.Error("the account was made")
	}
}
