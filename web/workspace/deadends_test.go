package workspace

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/taxonomy"
)

// A form with a mistake shows the same page again, with what was typed or
// checked kept and the problem named at the form: no dead end (issue 12).
func TestFormMistakesAreNoDeadEnds(t *testing.T) {
	e := newWSEnv(t)
	analyst, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	c := e.session(analyst)
	a, b := e.Submit(report.Submission{Description: "premier"}), e.Submit(report.Submission{Description: "second"})
	cs, err := e.Cases.Create(bg, "Fiche", []string{e.Submit(report.Submission{Description: "dans la fiche"})}, "setup")
	if err != nil {
		t.Fatal(err)
	}
	cat, _ := taxonomy.Default().Lookup("fraud.scam")
	if _, err := e.Cases.Qualify(bg, cs.ID, "fraud.scam", cat.Legal[:1], "synthèse", "normal", "setup"); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, path string
		form       url.Values
		kept       []string // what the page shows again
		at         string   // the form named in the alert
	}{
		{"bulk decision without a reason", "/w/queue/decide", url.Values{"report": {a, b}, "decision": {"unfounded"}, "reason": {""}, "back": {"/w/queue?category=fraud.scam"}},
			[]string{`value="` + a + `" id="sel-` + a + `" aria-label="Sélectionner VG-`, `#bulk`}, "bulk"},
		{"duplicate of an unknown receipt", "/w/queue/decide", url.Values{"report": {a}, "decision": {"duplicate"}, "reason": {"même"}, "duplicate_of": {"VG-ZZZZ-ZZZZ"}},
			[]string{`value="VG-ZZZZ-ZZZZ"`, `value="même"`, `<option value="duplicate" selected>`}, "bulk"},
		{"decision on the report page without a reason", "/w/queue/decide", url.Values{"report": {a}, "decision": {"not_competent"}, "reason": {""}, "back": {"/w/reports/" + a}},
			[]string{`id="form-decide"`, `<option value="not_competent" selected>`}, "form-decide"},
		{"referral away from the proposal without a reason", "/w/cases/" + cs.ID + "/refer", url.Values{"destination": {"interpol"}, "reason": {""}},
			[]string{`id="form-refer"`}, "form-refer"},
		{"add an unknown receipt", "/w/cases/" + cs.ID + "/reports", url.Values{"report": {"VG-0000-0000"}},
			[]string{`value="VG-0000-0000"`}, "form-add"},
		{"merge an unknown case", "/w/cases/" + cs.ID + "/merge", url.Values{"from": {"F-2026-999999"}},
			[]string{`value="F-2026-999999"`}, "form-merge"},
		{"bad département", "/w/cases/" + cs.ID + "/facts", url.Values{"departement": {"999"}, "country": {"BE"}},
			[]string{`value="999"`, `value="BE"`}, "form-facts"},
	} {
		w := e.Do("POST", tc.path, c, tc.form)
		body := w.Body.String()
		if w.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want the page again (422)", tc.name, w.Code)
			continue
		}
		if !strings.Contains(body, `role="alert"`) || !strings.Contains(body, `href="#`+tc.at+`"`) || !strings.Contains(body, `class="error"`) {
			t.Errorf("%s: the problem is not named at the form %s", tc.name, tc.at)
		}
		for _, k := range tc.kept {
			if !strings.Contains(body, k) {
				t.Errorf("%s: the page does not keep %q", tc.name, k)
			}
		}
		if strings.Contains(body, "Retour à l'accueil de l'espace") {
			t.Errorf("%s: a dead-end error page", tc.name)
		}
	}
	// The kept selection: the second report stays checked too.
	w := e.Do("POST", "/w/queue/decide", c, url.Values{"report": {a, b}, "decision": {"unfounded"}, "reason": {""}})
	if strings.Count(w.Body.String(), `" checked>`) < 2 {
		t.Error("the checked reports are not kept")
	}
}
