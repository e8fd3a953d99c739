package workspace

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/report"
)

// TestProblemShownInReadersLanguage: a rule of the case file broken from
// the French workspace reads in French, from the English one in English,
// field names included.
func TestProblemShownInReadersLanguage(t *testing.T) {
	e := newWSEnv(t)
	u, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	c := e.session(u)
	id := e.Submit(report.Submission{Description: "arnaque au faux conseiller"})
	cs, err := e.Cases.Create(bg, "Arnaque", []string{id}, "ana@vigie.test")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ query, want string }{
		{"", "Note : champ obligatoire"},
		{"?lang=en", "note is required"},
	} {
		w := e.Do("POST", "/w/cases/"+cs.ID+"/notes"+tc.query, c, url.Values{"note": {"  "}})
		if w.Code != 422 || !strings.Contains(w.Body.String(), tc.want) {
			t.Errorf("lang %q: %d, want 422 with %q: %s", tc.query, w.Code, tc.want, w.Body.String())
		}
	}
	if w := e.Do("GET", "/w/queue?state=nope", c, nil); w.Code != 422 || !strings.Contains(w.Body.String(), "État inconnu : &#34;nope&#34;") {
		t.Errorf("unknown queue state: %d %s", w.Code, w.Body.String())
	}
	w := e.Do("POST", "/w/cases/"+cs.ID+"/refer", c, url.Values{"destination": {"nowhere"}, "reason": {"x"}})
	if w.Code != 422 || !strings.Contains(w.Body.String(), "Destinataire inconnu : &#34;nowhere&#34;") {
		t.Errorf("unknown destination: %d %s", w.Code, w.Body.String())
	}
}

// TestPurgedCaseNamed: a case whose text retention removed is still
// listed and shown, under a label instead of an empty title (an empty
// link would have no accessible name).
func TestPurgedCaseNamed(t *testing.T) {
	e := newWSEnv(t)
	u, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	c := e.session(u)
	cs, err := e.Cases.Create(bg, "Affaire Dupont", []string{e.Submit(report.Submission{Description: "x"})}, "ana@vigie.test")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.DB.PurgeCases(bg, []string{cs.ID}, time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/w/cases/" + cs.ID, "/w/cases"} {
		body := e.Do("GET", path, c, nil).Body.String()
		if !strings.Contains(body, "Fiche expurgée") || strings.Contains(body, "Dupont") {
			t.Errorf("%s does not name the purged case: %s", path, body)
		}
	}
}
