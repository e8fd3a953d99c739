package web

import (
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/report"
)

// TestProblemsTranslated reads the sources for every English problem the
// workspace can show (casefile and removal rules, workspace forms, fixed
// texts of other packages passed through badError) and fails when one has
// no French entry, or when the French format takes other arguments.
func TestProblemsTranslated(t *testing.T) {
	sources := map[string]*regexp.Regexp{
		"../casefile/casefile.go": regexp.MustCompile(`invalid\("((?:[^"\\]|\\.)*)"`),
		"../removal/removal.go":   regexp.MustCompile(`InvalidError\{(?:Format: )?"((?:[^"\\]|\\.)*)"`),
		"../triage/triage.go":     regexp.MustCompile(`errors\.New\("((?:[^"\\]|\\.)*)"\)`),
	}
	webFiles, _ := os.ReadDir(".")
	for _, f := range webFiles {
		if strings.HasSuffix(f.Name(), ".go") && !strings.HasSuffix(f.Name(), "_test.go") {
			sources[f.Name()] = regexp.MustCompile(`badInput\("((?:[^"\\]|\\.)*)"`)
		}
	}
	verbs := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)
	found := 0
	for path, re := range sources {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			en := strings.ReplaceAll(m[1], `\"`, `"`)
			if path == "../triage/triage.go" && en == "no report waiting" {
				continue // shown through its own key (ws.err.empty)
			}
			found++
			fr, ok := problemsFR[en]
			if !ok {
				t.Errorf("%s: %q has no French in problemsFR", path, en)
				continue
			}
			if a, b := verbs.FindAllString(en, -1), verbs.FindAllString(fr, -1); strings.Join(a, " ") != strings.Join(b, " ") {
				t.Errorf("%q: French takes %v, English %v", en, b, a)
			}
		}
	}
	if found < 40 {
		t.Fatalf("found only %d messages: the patterns no longer match the sources", found)
	}
	if problemsFR[account.ErrExists.Error()] == "" {
		t.Errorf("%q has no French", account.ErrExists)
	}
}

// TestProblemShownInReadersLanguage: a rule of the case file broken from
// the French workspace reads in French, from the English one in English,
// field names included.
func TestProblemShownInReadersLanguage(t *testing.T) {
	e := newWSEnv(t)
	u, _ := e.user("ana@vigie.test", account.RoleAnalyst, "")
	c := e.session(u)
	id := e.submit(report.Submission{Description: "arnaque au faux conseiller"})
	cs, err := e.cases.Create(bg, "Arnaque", []string{id}, "ana@vigie.test")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ query, want string }{
		{"", "Note : champ obligatoire"},
		{"?lang=en", "note is required"},
	} {
		w := e.do("POST", "/w/cases/"+cs.ID+"/notes"+tc.query, c, url.Values{"note": {"  "}})
		if w.Code != 422 || !strings.Contains(w.Body.String(), tc.want) {
			t.Errorf("lang %q: %d, want 422 with %q: %s", tc.query, w.Code, tc.want, w.Body.String())
		}
	}
	if w := e.do("GET", "/w/queue?state=nope", c, nil); w.Code != 422 || !strings.Contains(w.Body.String(), "État inconnu : &#34;nope&#34;") {
		t.Errorf("unknown queue state: %d %s", w.Code, w.Body.String())
	}
	w := e.do("POST", "/w/cases/"+cs.ID+"/refer", c, url.Values{"destination": {"nowhere"}, "reason": {"x"}})
	if w.Code != 422 || !strings.Contains(w.Body.String(), "Destinataire inconnu : &#34;nowhere&#34;") {
		t.Errorf("unknown destination: %d %s", w.Code, w.Body.String())
	}
}

// TestPurgedCaseNamed: a case whose text retention removed is still
// listed and shown, under a label instead of an empty title (an empty
// link would have no accessible name).
func TestPurgedCaseNamed(t *testing.T) {
	e := newWSEnv(t)
	u, _ := e.user("ana@vigie.test", account.RoleAnalyst, "")
	c := e.session(u)
	cs, err := e.cases.Create(bg, "Affaire Dupont", []string{e.submit(report.Submission{Description: "x"})}, "ana@vigie.test")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.PurgeCases(bg, []string{cs.ID}, time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/w/cases/" + cs.ID, "/w/cases"} {
		body := e.do("GET", path, c, nil).Body.String()
		if !strings.Contains(body, "Fiche expurgée") || strings.Contains(body, "Dupont") {
			t.Errorf("%s does not name the purged case: %s", path, body)
		}
	}
}
