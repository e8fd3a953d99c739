package workspace

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/taxonomy"
	"github.com/vigie-platform/vigie/triage"
)

var (
	tags     = regexp.MustCompile(`(?s)<[^>]*>`)
	anyUUID  = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	caseLike = regexp.MustCompile(`F-\d{4}-\d{6}`)
)

// visibleText is what a page says: its text without its tags (and so
// without links' targets and forms' hidden values).
func visibleText(page string) string { return html.UnescapeString(tags.ReplaceAllString(page, " ")) }

// Staff see receipts and case numbers, never internal ids (issue 12).
func TestPagesSpeakInReceiptsAndCaseNumbers(t *testing.T) {
	e := newWSEnv(t)
	analyst, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	dest, _ := e.User("dest@vigie.test", account.RoleDestination, "ofac-fraud")
	c := e.session(analyst)
	const iban = "FR7630006000011234567890189"
	var campaign []string
	for i := range 4 {
		campaign = append(campaign, e.Submit(report.Submission{Description: fmt.Sprintf("victime %d, IBAN %s", i, iban)}))
	}
	decided := e.Submit(report.Submission{Description: "déjà décidé, IBAN " + iban})
	e.Link()
	if _, err := e.Triage.Decide(bg, []string{decided}, triage.Decision{State: triage.StateUnfounded, Reason: "rien"}, "ana@vigie.test"); err != nil {
		t.Fatal(err)
	}

	// The report page: related reports and the proposal by receipt, date,
	// category and state; the decided report is not proposed.
	page := e.Do("GET", "/w/reports/"+campaign[0], c, nil).Body.String()
	text := visibleText(page)
	first, _ := e.DB.ReportByID(bg, campaign[1])
	for _, want := range []string{first.Receipt, "Escroquerie", "Nouveau", "en commun", "déjà décidé ou dans une fiche n'est pas proposé"} {
		if !strings.Contains(text, want) {
			t.Errorf("report page lacks %q", want)
		}
	}
	gone, _ := e.DB.ReportByID(bg, decided)
	if strings.Contains(page, `value="`+decided+`" id="cl-`) {
		t.Errorf("the proposal checks %s, already decided", gone.Receipt)
	}

	// A case made from the proposal, then reports added and a case merged
	// by what people type.
	w := e.Do("POST", "/w/cases", c, url.Values{"title": {"Campagne IBAN"}, "report": campaign[:2]})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("create case: %d %s", w.Code, w.Body.String())
	}
	caseURL := w.Header().Get("Location")
	caseID := strings.TrimPrefix(strings.Split(caseURL, "?")[0], "/w/cases/")
	third, _ := e.DB.ReportByID(bg, campaign[2])
	if w := e.Do("POST", "/w/cases/"+caseID+"/reports", c, url.Values{"report": {strings.ToLower(third.Receipt)}}); w.Code != http.StatusSeeOther {
		t.Fatalf("add by receipt: %d %s", w.Code, visibleText(w.Body.String()))
	}
	if w := e.Do("POST", "/w/cases/"+caseID+"/reports", c, url.Values{"report": {"VG-0000-0000"}}); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "VG-0000-0000") {
		t.Errorf("an unknown receipt: %d, want 422 naming it", w.Code)
	}
	other, err := e.Cases.Create(bg, "Autre fiche", []string{campaign[3]}, "setup")
	if err != nil {
		t.Fatal(err)
	}
	otherCase, _ := e.DB.CaseByID(bg, other.ID)
	if w := e.Do("POST", "/w/cases/"+caseID+"/merge", c, url.Values{"from": {strings.ToLower(otherCase.Number)}}); w.Code != http.StatusSeeOther {
		t.Fatalf("merge by number: %d %s", w.Code, visibleText(w.Body.String()))
	}
	merged, _ := e.DB.CaseByID(bg, caseID)
	if len(merged.ReportIDs) != 4 {
		t.Errorf("after add and merge by people's names, the case has %d reports", len(merged.ReportIDs))
	}
	// Duplicate of a receipt.
	dup := e.Submit(report.Submission{Description: "encore"})
	if w := e.Do("POST", "/w/queue/decide", c, url.Values{"report": {dup}, "decision": {"duplicate"}, "reason": {"même"}, "duplicate_of": {first.Receipt}}); w.Code != http.StatusSeeOther {
		t.Fatalf("duplicate of a receipt: %d %s", w.Code, visibleText(w.Body.String()))
	}
	if it, _ := e.DB.TriageOf(bg, dup); it.State != triage.StateDuplicate {
		t.Errorf("duplicate by receipt: state %s", it.State)
	}

	cat, _ := taxonomy.Default().Lookup("fraud.scam")
	if _, err := e.Cases.Qualify(bg, caseID, "fraud.scam", cat.Legal[:1], "s", "normal", "setup"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Cases.Refer(bg, caseID, []casefile.ReferralChoice{{Destination: "ofac-fraud", Delivered: true, AckWithin: time.Hour}}, []string{"ofac-fraud"}, "", "setup"); err != nil {
		t.Fatal(err)
	}
	pages := map[string]string{
		"report":      "/w/reports/" + campaign[0],
		"case":        "/w/cases/" + caseID,
		"merged case": "/w/cases/" + other.ID,
		"cases":       "/w/cases",
		"queue":       "/w/queue",
		"search":      "/w/search?q=" + iban,
	}
	for name, path := range pages {
		w := e.Do("GET", path, c, nil)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d", name, w.Code)
		}
		if id := anyUUID.FindString(visibleText(w.Body.String())); id != "" {
			t.Errorf("the %s page shows the internal id %s", name, id)
		}
	}
	for _, name := range []string{"case", "cases", "merged case"} {
		if !caseLike.MatchString(visibleText(e.Do("GET", pages[name], c, nil).Body.String())) {
			t.Errorf("the %s page shows no case number", name)
		}
	}
	d := e.session(dest)
	for _, path := range []string{"/w/inbox", "/w/inbox/" + caseID} {
		body := e.Do("GET", path, d, nil).Body.String()
		if id := anyUUID.FindString(visibleText(body)); id != "" {
			t.Errorf("the destination's %s shows the internal id %s", path, id)
		}
	}
}

// A campaign's case may hold thousands of reports: its page shows the
// first ones and says how many more there are.
func TestBigCasePageIsBounded(t *testing.T) {
	e := newWSEnv(t)
	analyst, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	var ids []string
	for i := range caseReportsShown + 5 {
		ids = append(ids, e.Submit(report.Submission{Description: fmt.Sprint("victime ", i)}))
	}
	c, err := e.Cases.Create(bg, "Vague", ids, "setup")
	if err != nil {
		t.Fatal(err)
	}
	body := e.Do("GET", "/w/cases/"+c.ID, e.session(analyst), nil).Body.String()
	if n := strings.Count(body, `id="sp-`); n != caseReportsShown {
		t.Errorf("the case page shows %d reports, want %d", n, caseReportsShown)
	}
	if !strings.Contains(visibleText(body), "… et 5 autres signalements") {
		t.Error("the case page does not say how many reports it leaves out")
	}
}
