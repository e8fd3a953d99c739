package workspace

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/report"
)

// TestCaseDrafts: a case made without a title is named by the identifiers
// its reports share; a case not yet qualified offers a drafted summary and
// its category's first legal reference, so qualifying is one click; a
// case form's mistake re-renders the page it came from.
func TestCaseDrafts(t *testing.T) {
	e := newWSEnv(t)
	ana, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	c := e.session(ana)
	var ids []string
	for i, d := range []string{
		"Faux colis, payer sur https://colis-bloque.example/x, IBAN FR7630006000011234567890189",
		"Même SMS, https://colis-bloque.example/y et IBAN FR76 3000 6000 0112 3456 7890 189",
		"Encore l'IBAN FR7630006000011234567890189",
	} {
		ids = append(ids, e.Submit(report.Submission{Description: d, IsVictim: i == 0, AmountLost: lossOf(i), Currency: "EUR", PaymentMeans: "transfer"}))
	}
	e.Link()

	w := e.Do("POST", "/w/cases", c, url.Values{"report": ids, "title": {""}, "back": {"/w/reports/" + ids[0]}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("create without a title: %d %s", w.Code, w.Body.String())
	}
	list, err := e.DB.ListCases(bg, casefile.Filter{Limit: 10})
	if err != nil || len(list) != 1 {
		t.Fatalf("cases %+v %v", list, err)
	}
	if got := list[0].Title; got != "IBAN FR7630006000011234567890189, domaine colis-bloque.example" {
		t.Errorf("drafted title %q, want the IBAN then the domain the reports share", got)
	}

	page := e.Do("GET", w.Header().Get("Location"), c, nil).Body.String()
	summary := between(t, page, `<textarea id="q-summary" name="summary" rows="5" required maxlength="10000">`, "</textarea>")
	for _, want := range []string{"3 signalements reçus du", "FR7630006000011234567890189 (3 signalements)", "Victimes déclarées : 1, préjudice déclaré : 45,00"} {
		if !strings.Contains(summary, want) {
			t.Errorf("drafted summary %q lacks %q", summary, want)
		}
	}
	if !strings.Contains(page, `id="legal-0" checked`) || strings.Contains(page, `id="legal-1" checked`) {
		t.Error("the category's first legal reference is not the one pre-checked")
	}

	// Choosing no report, or reports already in a case, shows the page again.
	for name, form := range map[string]url.Values{
		"no report":       {"title": {"x"}, "back": {"/w/queue"}},
		"reports in case": {"report": {ids[1]}, "back": {"/w/reports/" + ids[1]}},
	} {
		w := e.Do("POST", "/w/cases", c, form)
		if w.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422 and the page again", name, w.Code)
			continue
		}
		body := w.Body.String()
		if !strings.Contains(body, `role="alert"`) || !strings.Contains(body, `<h1`) || strings.Contains(body, "ws.err") {
			t.Errorf("%s: no page with the problem named:\n%s", name, visibleText(body))
		}
	}
}

func lossOf(i int) string {
	if i == 0 {
		return "45"
	}
	return ""
}
