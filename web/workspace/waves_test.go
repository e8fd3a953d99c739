package workspace

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/triage"
	"github.com/vigie-platform/vigie/wave"
)

// linkAndWave links what is queued and places it in waves, as the
// server's linker does after acknowledgement.
func (e *wsEnv) linkAndWave() {
	e.T.Helper()
	l := correlate.NewLinker(e.DB, correlate.DefaultWarningList(), indicator.DefaultOptions, nil)
	for {
		n, err := l.LinkOnce(bg, 500)
		if err != nil {
			e.T.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	if _, err := wave.NewAssigner(e.DB, correlate.DefaultWarningList(), indicator.DefaultOptions).Drain(bg, 500); err != nil {
		e.T.Fatal(err)
	}
}

func parcel(name, link string) string {
	return fmt.Sprintf("Bonjour %s, votre colis n'a pas pu être livré faute d'affranchissement. Réglez 1,99 € de frais sur %s avant demain, sinon il sera renvoyé.", name, link)
}

// makeWave stores n copies of a template and returns the wave and members.
func (e *wsEnv) makeWave(n int) (int64, []string) {
	e.T.Helper()
	var ids []string
	for i := range n {
		ids = append(ids, e.Submit(report.Submission{Category: "fraud.phishing", Description: parcel(fmt.Sprint("Victime", i), fmt.Sprintf("https://colis-%d.example/suivi?id=%d", i, i*7))}))
	}
	e.linkAndWave()
	w, err := e.DB.WaveOf(bg, ids[0])
	if err != nil {
		e.T.Fatal(err)
	}
	return w.ID, ids
}

var (
	checkboxRe = regexp.MustCompile(`name="report" value="`)
	waveTagRe  = regexp.MustCompile(`class="tag wave-tag" href="/w/waves/(\d+)">([^<]*)<`)
)

// TestWaveInQueueAndPage: the queue shows a wave as one item with its
// count and a link; the wave's page draws its growth as an accessible SVG
// with the same figures in a table, and names no internal id.
func TestWaveInQueueAndPage(t *testing.T) {
	e := newWSEnv(t)
	analyst, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	c := e.session(analyst)
	id, members := e.makeWave(6)
	e.Submit(report.Submission{Description: "Un voisin menace de s'en prendre à ma famille depuis des semaines."})
	e.Submit(report.Submission{Description: "Contenu haineux publié sur un forum."})
	e.linkAndWave()

	body := e.Do("GET", "/w/queue", c, nil).Body.String()
	if n := len(checkboxRe.FindAllString(body, -1)); n != 3 {
		t.Errorf("the queue lists %d items, want 3 (the wave of 6 as one, and two reports)", n)
	}
	tags := waveTagRe.FindAllStringSubmatch(body, -1)
	if len(tags) != 1 || tags[0][1] != fmt.Sprint(id) || tags[0][2] != "Vague de 6 signalements" {
		t.Errorf("wave tags in the queue %v, want one naming 6 reports and linking to wave %d", tags, id)
	}

	w := e.Do("GET", fmt.Sprintf("/w/waves/%d", id), c, nil)
	page := w.Body.String()
	if w.Code != http.StatusOK {
		t.Fatalf("wave page: %d", w.Code)
	}
	for _, want := range []string{
		`<svg class="chart" role="img" aria-labelledby="wave-chart-title wave-chart-desc"`,
		`<title id="wave-chart-title">Signalements reçus par période et cumul</title>`,
		`<desc id="wave-chart-desc">6 signalements reçus du `,
		`<table id="wave-growth">`,
		`<td>6</td><td>6</td>`, // the one day's new and running total
		`<polyline points="`,
		`Décider les 6 signalements`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the wave page lacks %s", want)
		}
	}
	text := visibleText(page)
	if id := anyUUID.FindString(text); id != "" {
		t.Errorf("the wave page shows the internal id %s", id)
	}
	if !strings.Contains(text, "Vague n° ") || !strings.Contains(text, "texte quasi identique") {
		t.Errorf("the wave page does not say its number and what gathered it")
	}
	if n := strings.Count(page, `href="/w/reports/`); n != 6 {
		t.Errorf("the wave page lists %d members, want 6", n)
	}
	member := e.Do("GET", "/w/reports/"+members[3], c, nil).Body.String()
	if !strings.Contains(member, fmt.Sprintf(`href="/w/waves/%d" id="report-wave">Vague n° %d</a> — 6 signalements`, id, id)) {
		t.Error("a member's report page does not name its wave")
	}
	en := e.Do("GET", fmt.Sprintf("/w/waves/%d?lang=en", id), c, nil).Body.String()
	if !strings.Contains(en, `<title id="wave-chart-title">Reports received per period and in all</title>`) {
		t.Error("the English page's chart is not in English")
	}
	if w := e.Do("GET", "/w/waves/999999", c, nil); w.Code != http.StatusNotFound {
		t.Errorf("an unknown wave: %d, want 404", w.Code)
	}
}

// TestWaveDecision: one action decides every waiting member, with one
// audit entry each; a form with a mistake comes back with its input.
func TestWaveDecision(t *testing.T) {
	e := newWSEnv(t)
	analyst, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	c := e.session(analyst)
	id, members := e.makeWave(5)
	path := fmt.Sprintf("/w/waves/%d/decide", id)

	w := e.Do("POST", path, c, url.Values{"decision": {"not_competent"}, "reason": {" "}})
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `<option value="not_competent" selected>`) {
		t.Fatalf("a decision without a reason: %d, want the page again with the decision kept", w.Code)
	}
	w = e.Do("POST", path, c, url.Values{"decision": {"not_competent"}, "reason": {"relève d'une plainte"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("wave decision: %d %s", w.Code, visibleText(w.Body.String()))
	}
	for _, m := range members {
		if it, _ := e.DB.TriageOf(bg, m); it.State != triage.StateNotCompetent {
			t.Errorf("member %s is %s after the wave's decision", it.Receipt, it.State)
		}
	}
	entries := map[string]int{}
	if err := e.DB.AuditEntries(bg, func(a audit.Entry) error {
		if a.Action == "report.decide" && a.Actor == analyst.Email {
			entries[a.ObjectID]++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if entries[m] != 1 {
			t.Errorf("member %s has %d audit entries for the decision, want 1", m, entries[m])
		}
	}
	page := e.Do("GET", fmt.Sprintf("/w/waves/%d", id), c, nil).Body.String()
	if strings.Contains(page, `id="form-wave-decide"`) || !strings.Contains(visibleText(page), "aucun à traiter") {
		t.Error("a decided wave still offers a decision")
	}
}

// TestWaveBecomesACase: the wave's page makes a case of its listed members
// in one action, named by what they share; once they are in it, the page
// offers no case; a member taken meanwhile brings the wave's page back
// with the problem at the case's form, not the queue.
func TestWaveBecomesACase(t *testing.T) {
	e := newWSEnv(t)
	analyst, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	c := e.session(analyst)
	id, members := e.makeWave(4)
	page := fmt.Sprintf("/w/waves/%d", id)

	body := e.Do("GET", page, c, nil).Body.String()
	if !strings.Contains(body, `id="form-wave-case"`) || strings.Count(body, `<input type="hidden" name="report" value="`) != len(members) {
		t.Fatalf("the wave's page offers no case of its %d members:\n%s", len(members), visibleText(body))
	}
	// Someone else puts one member in a case first.
	if _, err := e.Cases.Create(bg, "déjà", members[:1], "bob@vigie.test"); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"back": {page}, "report": members}
	w := e.Do("POST", "/w/cases", c, form)
	got := w.Body.String()
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(got, `href="#form-wave-case"`) || !strings.Contains(got, `id="form-wave-case"`) {
		t.Fatalf("a member already in a case: %d, want the wave's page with the problem at its case form:\n%s", w.Code, visibleText(got))
	}
	if strings.Contains(got, `id="queue"`) {
		t.Error("the failure shows the queue")
	}
	body = e.Do("GET", page, c, nil).Body.String()
	if n := strings.Count(body, `<input type="hidden" name="report" value="`); n != len(members)-1 {
		t.Fatalf("the case form lists %d reports, want the %d in no case", n, len(members)-1)
	}
	rest := url.Values{"back": {page}, "report": members[1:]}
	w = e.Do("POST", "/w/cases", c, rest)
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/w/cases/") {
		t.Fatalf("case from the wave: %d %s", w.Code, visibleText(w.Body.String()))
	}
	for _, m := range members[1:] {
		if it, _ := e.DB.TriageOf(bg, m); it.CaseID == "" {
			t.Errorf("member %s is in no case", it.Receipt)
		}
	}
	if body := e.Do("GET", page, c, nil).Body.String(); strings.Contains(body, `id="form-wave-case"`) {
		t.Error("every member is in a case, yet the page offers another")
	}
}
