package portal

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/vigie-platform/vigie/advice"
	"github.com/vigie-platform/vigie/installation"
	"github.com/vigie-platform/vigie/web"
	"github.com/vigie-platform/vigie/web/webtest"
)

// newEnvWith is the portal with an installation's configuration.
func newEnvWith(t *testing.T, inst *installation.Info) *webtest.Fixture {
	t.Helper()
	f := webtest.New(t)
	mux := http.NewServeMux()
	Mount(mux, f.Kit, Deps{Intake: f.Intake, Visits: f.Visits, Advice: advice.Default(),
		Altcha: f.Altcha, Figures: f.Figures, Limits: web.DefaultLimits(), Installation: inst})
	f.Handler = f.Kit.Handler(mux)
	return f
}

var (
	questionRe = regexp.MustCompile(`data-question="([a-z_]+)"`)
	doorRe     = regexp.MustCompile(`id="door" data-door="([a-z-]+)" data-category="([a-z.-]*)"`)
	hiddenRe   = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([a-z-]+)">`)
)

// TestDiagnosisScenarios goes through the questionnaire's pages as a
// browser without JavaScript would: each page's form, with its hidden
// answers and the scenario's answer to the question it asks, until a
// door. The same scenarios drive the engine's test and the browser test.
func TestDiagnosisScenarios(t *testing.T) {
	e := newEnv(t)
	b, err := os.ReadFile("../../diagnosis/testdata/scenarios.json")
	if err != nil {
		t.Fatal(err)
	}
	var scenarios []struct {
		Name     string            `json:"name"`
		Answers  map[string]string `json:"answers"`
		Door     string            `json:"door"`
		Category string            `json:"category"`
	}
	if err := json.Unmarshal(b, &scenarios); err != nil {
		t.Fatal(err)
	}
	right := 0
	for _, sc := range scenarios {
		path := "/diagnosis"
		for range 10 {
			body := e.Do("GET", path, nil, nil).Body.String()
			if m := doorRe.FindStringSubmatch(body); m != nil {
				if m[1] == sc.Door && m[2] == sc.Category && strings.Contains(body, `href="/report?category=`+sc.Category+`"`) {
					right++
				} else {
					t.Errorf("%s: door %s (%s)", sc.Name, m[1], m[2])
				}
				break
			}
			m := questionRe.FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("%s: neither a question nor a door at %s", sc.Name, path)
			}
			q := url.Values{}
			for _, h := range hiddenRe.FindAllStringSubmatch(body, -1) {
				q.Set(h[1], h[2])
			}
			q.Set(m[1], sc.Answers[m[1]])
			path = "/diagnosis?" + q.Encode()
		}
	}
	t.Logf("diagnosis through the pages: %d of %d scenarios reach the right door", right, len(scenarios))
	if right != len(scenarios) {
		t.Fail()
	}
}

func TestDiagnosisPage(t *testing.T) {
	e := newEnv(t)
	// Sent without an answer: the page says so, and asks again.
	w := e.Do("GET", "/diagnosis?danger=no&asked=topic", nil, nil)
	body := w.Body.String()
	if w.Code != 200 || !strings.Contains(body, `role="alert"`) || !strings.Contains(body, `data-question="topic"`) ||
		!strings.Contains(body, "<title>Réponse manquante — De quoi s&#39;agit-il\u00a0? — Trouver le bon service — Vigie</title>") {
		t.Errorf("a question sent unanswered: %d", w.Code)
	}
	// English, with the way back and the answers given.
	body = e.Do("GET", "/diagnosis?danger=no&topic=money&lang=en", nil, nil).Body.String()
	for _, want := range []string{"Was your bank card used", `href="/diagnosis?danger=no&amp;lang=en"`, "Your answers", `name="lang" value="en"`} {
		if !strings.Contains(body, want) {
			t.Errorf("English question page lacks %s", want)
		}
	}
	// A door that is not this platform still offers to report here, the
	// category chosen, and gives the numbers to call as links.
	body = e.Do("GET", "/diagnosis?danger=yes&danger_who=self-harm", nil, nil).Body.String()
	for _, want := range []string{`data-door="suicide"`, `href="tel:3114"`, `data-also="emergency"`, `href="tel:112"`, `href="sms:114"`, `id="report-link" href="/report?category=danger.self-harm"`} {
		if !strings.Contains(body, want) {
			t.Errorf("suicide door lacks %s", want)
		}
	}
	// Attacker-chosen values are not echoed into the page.
	body = e.Do("GET", "/diagnosis?danger=%22%3E%3Cscript%3E", nil, nil).Body.String()
	if strings.Contains(body, "<script>") {
		t.Error("an answer was written into the page")
	}
}

func TestHomeOrder(t *testing.T) {
	e := newEnv(t)
	home := e.Do("GET", "/", nil, nil).Body.String()
	scam := strings.Index(home, `/report?category=fraud.scam"`)
	phishing := strings.Index(home, `/report?category=fraud.phishing"`)
	minors := strings.Index(home, `/report?category=minors.abuse-material"`)
	if scam < 0 || phishing < scam || minors < phishing {
		t.Errorf("home order: scam at %d, phishing at %d, child abuse at %d", scam, phishing, minors)
	}
	if !strings.Contains(home, `class="emergency"`) || !strings.Contains(home, `href="/diagnosis"`) {
		t.Error("home lacks the danger banner or the way into the diagnosis")
	}
}

// TestLegalPages: the four pages in both languages, the marker where the
// installation has filled nothing in, the retention from the taxonomy,
// and the footer of every public page linking to them.
func TestLegalPages(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/mentions-legales", "/confidentialite", "/accessibilite", "/contact"} {
		for _, lang := range []string{"", "?lang=en"} {
			w := e.Do("GET", path+lang, nil, nil)
			body := w.Body.String()
			marker := "[à compléter par l&#39;installation]"
			if lang != "" {
				marker = "[to be filled in by the installation]"
			}
			if w.Code != 200 || !strings.Contains(body, `<span class="unset">`+marker+`</span>`) {
				t.Errorf("%s%s: %d, no marker of what is not filled in", path, lang, w.Code)
			}
		}
	}
	privacy := e.Do("GET", "/confidentialite", nil, nil).Body.String()
	if n := strings.Count(privacy, `<th scope="row">`); n != len(e.Intake.Taxonomy().Categories()) || !strings.Contains(privacy, "<td>2 ans</td>") {
		t.Errorf("retention table: %d rows", n)
	}
	if a := e.Do("GET", "/accessibilite", nil, nil).Body.String(); !strings.Contains(a, "aucun audit") || !strings.Contains(a, "Défenseur des droits") {
		t.Error("accessibility statement lacks its status or the appeal")
	}

	filled := installation.Default()
	filled.Publisher = installation.Party{Name: "Ministère de l'Exemple", Address: "1 rue de l'Exemple, 75000 Paris", Email: "contact@example.gouv.fr"}
	filled.Director = "Jeanne Martin, directrice"
	filled.Host = filled.Publisher
	filled.Accessibility.Status = "partial"
	f := newEnvWith(t, filled)
	legal := f.Do("GET", "/mentions-legales?lang=en", nil, nil).Body.String()
	if !strings.Contains(legal, "Ministère de l&#39;Exemple") || strings.Contains(legal, `class="unset"`) || !strings.Contains(legal, "mailto:contact@example.gouv.fr") {
		t.Error("a filled-in legal notice still shows markers, or not the publisher")
	}
	if !strings.Contains(legal, "Accessibility: partially compliant") {
		t.Error("the footer does not say the accessibility status")
	}

	for _, path := range []string{"/", "/report", "/report?category=fraud.scam", "/follow-up", "/advice", "/advice/fraud.scam", "/figures", "/diagnosis", "/contact?lang=en"} {
		body := e.Do("GET", path, nil, nil).Body.String()
		for _, link := range []string{"/mentions-legales", "/confidentialite", "/accessibilite", "/contact"} {
			if !strings.Contains(body, `<footer class="site">`) || !strings.Contains(body[strings.Index(body, `<footer class="site">`):], `href="`+link) {
				t.Errorf("%s: footer lacks %s", path, link)
			}
		}
	}
}

// TestEmbedFraming: only /embed may be framed, and only by the
// installation's origins.
func TestEmbedFraming(t *testing.T) {
	e := newEnv(t)
	w := e.Do("GET", "/embed", nil, nil)
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || w.Header().Get("X-Frame-Options") != "DENY" {
		t.Errorf("without origins /embed is framed by none: %s", csp)
	}
	inst := installation.Default()
	inst.FrameAncestors = []string{"https://www.example.gouv.fr", "https://*.example.fr"}
	f := newEnvWith(t, inst)
	w = f.Do("GET", "/embed?category=fraud.phishing&lang=en", nil, nil)
	csp := w.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors https://www.example.gouv.fr https://*.example.fr;") || strings.Contains(csp, "'none'; base") ||
		w.Header().Get("X-Frame-Options") != "" {
		t.Errorf("/embed policy: %s, XFO %q", csp, w.Header().Get("X-Frame-Options"))
	}
	if body := w.Body.String(); !strings.Contains(body, `href="/report?category=fraud.phishing&amp;lang=en" target="_blank"`) || !strings.Contains(body, "<h1>Report: Phishing</h1>") {
		t.Error("the embedded entry point does not open the form of its category")
	}
	for _, path := range []string{"/", "/report?category=fraud.scam", "/diagnosis"} {
		w := f.Do("GET", path, nil, nil)
		if !strings.Contains(w.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'") || w.Header().Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s may be framed", path)
		}
	}
}

// TestFormErrorsNameFields: the summary names each field and links to
// it; the name is marked required.
func TestFormErrorsNameFields(t *testing.T) {
	e := newEnv(t)
	form := e.Do("GET", "/report?category=fraud.scam", nil, nil).Body.String()
	if !strings.Contains(form, `<label for="name">Nom et prénom <span class="req">(obligatoire sauf si vous restez anonyme)</span></label>`) {
		t.Error("the name is not marked required")
	}
	w := e.Do("POST", "/report", nil, url.Values{"category": {"fraud.scam"}, "description": {""}, "submission_id": {"x1"}})
	body := w.Body.String()
	summary := body[strings.Index(body, `id="errors"`):]
	summary = summary[:strings.Index(summary, "</div>")]
	for _, want := range []string{`<a href="#description">Décrivez les faits : `, `<a href="#name">Nom et prénom : `, `<a href="#email">Adresse e-mail : `} {
		if !strings.Contains(summary, want) {
			t.Errorf("error summary lacks %s:\n%s", want, summary)
		}
	}
	w = e.Do("POST", "/report", nil, url.Values{"category": {"fraud.scam"}, "description": {""}, "submission_id": {"x2"}, "lang": {"en"}, "anonymous": {"1"}})
	if !strings.Contains(w.Body.String(), `<a href="#description">Describe what happened: `) {
		t.Error("English summary does not name the field")
	}
}
