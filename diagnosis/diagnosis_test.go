package diagnosis

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/vigie-platform/vigie/taxonomy"
)

// Scenario is one person's situation and the door they should reach; the
// same file drives the browser test (e2e/diagnosis.mjs).
type Scenario struct {
	Name     string            `json:"name"`
	Answers  map[string]string `json:"answers"`
	Door     string            `json:"door"`
	Category string            `json:"category"`
}

func loadScenarios(t *testing.T) []Scenario {
	t.Helper()
	b, err := os.ReadFile("testdata/scenarios.json")
	if err != nil {
		t.Fatal(err)
	}
	var out []Scenario
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestScenarios measures the share of scenarios that reach their door
// with the embedded configuration, and asks every one to do so; each
// scenario's answers must all have been asked, so that no scenario passes
// on answers the questionnaire never needed.
func TestScenarios(t *testing.T) {
	c := Default(taxonomy.Default())
	scenarios := loadScenarios(t)
	if len(scenarios) < 12 {
		t.Fatalf("%d scenarios, want at least 12", len(scenarios))
	}
	right := 0
	doors := map[string]bool{}
	for _, sc := range scenarios {
		st := c.Walk(func(q string) string { return sc.Answers[q] })
		switch {
		case st.Outcome == nil:
			t.Errorf("%s: stopped at question %q", sc.Name, st.Next.ID)
		case st.Outcome.Door.ID != sc.Door || st.Outcome.Category != sc.Category:
			t.Errorf("%s: reached %s (%s), want %s (%s)", sc.Name, st.Outcome.Door.ID, st.Outcome.Category, sc.Door, sc.Category)
		case len(st.Answers) != len(sc.Answers):
			t.Errorf("%s: %d of its %d answers asked", sc.Name, len(st.Answers), len(sc.Answers))
		default:
			right++
			doors[sc.Door] = true
		}
	}
	t.Logf("diagnosis: %d of %d scenarios reach the right door (%.0f %%), %d different doors", right, len(scenarios),
		100*float64(right)/float64(len(scenarios)), len(doors))
}

func TestWalk(t *testing.T) {
	c := Default(taxonomy.Default())
	// Nothing answered: the first question.
	st := c.Walk(func(string) string { return "" })
	if st.Next == nil || st.Next.ID != "danger" || len(st.Answers) != 0 {
		t.Fatalf("first step: %+v", st)
	}
	// An answer to a question not yet asked, and a value a question does
	// not offer, are ignored.
	given := map[string]string{"danger": "no", "topic": "bogus", "card_used": "yes"}
	st = c.Walk(func(q string) string { return given[q] })
	if st.Next == nil || st.Next.ID != "topic" || len(st.Answers) != 1 {
		t.Fatalf("with an invalid topic: next %v, %d answers", st.Next, len(st.Answers))
	}
	// Answers carried to a question asked later still count, in the order asked.
	given["topic"] = "money"
	st = c.Walk(func(q string) string { return given[q] })
	if st.Outcome == nil || st.Outcome.Door.ID != "perceval" {
		t.Fatalf("card fraud: %+v", st)
	}
	q := Query(st.Answers).Encode()
	if q != "card_used=yes&danger=no&topic=money" {
		t.Errorf("query %q", q)
	}
	if got := []string{st.Answers[0].Question.ID, st.Answers[1].Question.ID, st.Answers[2].Question.ID}; strings.Join(got, ",") != "danger,topic,card_used" {
		t.Errorf("answers in order %v", got)
	}
}

// A bad file is refused with an error naming what is wrong.
func TestParseErrors(t *testing.T) {
	tax := taxonomy.Default()
	door := `{"id":"here","kind":"report","name":{"fr":"Ici","en":"Here"},"explanation":{"fr":"x","en":"x"}}`
	q := `{"id":"lost","text":{"fr":"Perdu ?","en":"Lost?"},"options":[{"value":"yes","label":{"fr":"Oui","en":"Yes"}},{"value":"no","label":{"fr":"Non","en":"No"}}]}`
	doc := func(doors, questions, rules string) string {
		return `{"version":1,"doors":[` + doors + `],"questions":[` + questions + `],"rules":[` + rules + `]}`
	}
	ok := doc(door, q, `{"when":{"lost":["yes"]},"door":"here","category":"fraud.scam"},{"when":{},"door":"here"}`)
	if _, err := Parse([]byte(ok), tax); err != nil {
		t.Fatalf("the valid document: %v", err)
	}
	cases := []struct{ name, doc, want string }{
		{"not json", `{`, "decode"},
		{"unknown field", `{"version":1,"doorz":[]}`, "unknown field"},
		{"trailing data", ok + `{}`, "data after"},
		{"version", strings.Replace(ok, `"version":1`, `"version":2`, 1), "version 2"},
		{"no rules", doc(door, q, ``), "needs doors and rules"},
		{"door id", doc(strings.Replace(door, `"here"`, `"Here!"`, 1), q, `{"when":{},"door":"here"}`), "door 0"},
		{"door kind", doc(strings.Replace(door, `"report"`, `"fax"`, 1), q, `{"when":{},"door":"here"}`), `kind "fax"`},
		{"door english", doc(strings.Replace(door, `"en":"Here"`, `"en":""`, 1), q, `{"when":{},"door":"here"}`), "both fr and en"},
		{"service without url", doc(strings.Replace(door, `"report"`, `"service"`, 1), q, `{"when":{},"door":"here"}`), "gives its url"},
		{"bad url", doc(strings.Replace(door, `"kind"`, `"url":"javascript:alert(1)","kind"`, 1), q, `{"when":{},"door":"here"}`), "absolute http(s)"},
		{"call without number", doc(strings.Replace(door, `"report"`, `"call"`, 1), q, `{"when":{},"door":"here"}`), "at least one number"},
		{"bad number", doc(strings.Replace(door, `"kind":"report"`, `"kind":"call","numbers":[{"number":"call me","label":{"fr":"a","en":"b"}}]`, 1), q, `{"when":{},"door":"here"}`), "number 0"},
		{"door twice", doc(door+","+door, q, `{"when":{},"door":"here"}`), "defined twice"},
		{"reserved question", doc(door, strings.Replace(q, `"lost"`, `"lang"`, 1), `{"when":{"lang":["yes"]},"door":"here"},{"when":{},"door":"here"}`), "reserved"},
		{"one option", doc(door, `{"id":"lost","text":{"fr":"a","en":"b"},"options":[{"value":"yes","label":{"fr":"Oui","en":"Yes"}}]}`, `{"when":{},"door":"here"}`), "at least two answers"},
		{"unknown door", doc(door, q, `{"when":{"lost":["yes"]},"door":"there"},{"when":{},"door":"here"}`), `no door "there"`},
		{"unknown question", doc(door, q, `{"when":{"found":["yes"]},"door":"here"},{"when":{},"door":"here"}`), `no question "found"`},
		{"unknown answer", doc(door, q, `{"when":{"lost":["maybe"]},"door":"here"},{"when":{},"door":"here"}`), `no answer "maybe"`},
		{"unknown category", doc(door, q, `{"when":{"lost":["yes"]},"door":"here","category":"fraud.nope"},{"when":{},"door":"here"}`), "not in the taxonomy"},
		{"catch-all not last", doc(door, q, `{"when":{},"door":"here"},{"when":{"lost":["yes"]},"door":"here"}`), "must be the last"},
		{"no catch-all", doc(door, q, `{"when":{"lost":["yes"]},"door":"here"}`), "last rule must have no conditions"},
		{"question never asked", doc(door, q, `{"when":{},"door":"here"}`), "no rule asks it"},
		{"also itself", doc(door, q, `{"when":{"lost":["yes"]},"door":"here","also":["here"]},{"when":{},"door":"here"}`), "not another door"},
	}
	for _, tc := range cases {
		_, err := Parse([]byte(tc.doc), tax)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.want)
		}
	}
}

func TestLoad(t *testing.T) {
	if _, err := Load("", taxonomy.Default()); err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/d.json"
	os.WriteFile(path, []byte(`{"version":1}`), 0o600)
	if _, err := Load(path, taxonomy.Default()); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("a bad file's error should name it: %v", err)
	}
}

// FuzzParse: no input makes Parse panic, and whatever it accepts can be
// walked to a door from any answers.
func FuzzParse(f *testing.F) {
	f.Add(defaultFile, "no", "money", "yes")
	f.Add([]byte(`{"version":1,"doors":[{"id":"a","kind":"report","name":{"fr":"a","en":"a"},"explanation":{"fr":"a","en":"a"}}],"rules":[{"when":{},"door":"a"}]}`), "", "", "")
	f.Fuzz(func(t *testing.T, b []byte, a1, a2, a3 string) {
		c, err := Parse(b, nil)
		if err != nil {
			return
		}
		answers := []string{a1, a2, a3}
		i := 0
		st := c.Walk(func(string) string {
			v := answers[i%len(answers)]
			i++
			return v
		})
		if (st.Outcome == nil) == (st.Next == nil) {
			t.Fatalf("a step is a question or an outcome: %+v", st)
		}
		if len(st.Answers) > len(c.Questions) {
			t.Fatalf("%d answers for %d questions", len(st.Answers), len(c.Questions))
		}
	})
}

// With a taxonomy of its own, an installation still starts on the
// embedded questionnaire: the doors it lacks a category for open the form
// at the choice of category.
func TestDefaultWithAnotherTaxonomy(t *testing.T) {
	tax, err := taxonomy.Parse([]byte(`{"version":1,"categories":[{"code":"fraud.scam","label":{"fr":"Arnaque","en":"Scam"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load("", tax)
	if err != nil {
		t.Fatal(err)
	}
	st := c.Walk(func(q string) string { return map[string]string{"danger": "no", "topic": "hate"}[q] })
	if st.Outcome == nil || st.Outcome.Category != "" {
		t.Errorf("hate without its category: %+v", st.Outcome)
	}
	st = c.Walk(func(q string) string { return map[string]string{"danger": "no", "topic": "phishing"}[q] })
	if st.Outcome == nil || st.Outcome.Category != "" {
		t.Errorf("phishing without its category: %+v", st.Outcome)
	}
	st = c.Walk(func(q string) string {
		return map[string]string{"danger": "no", "topic": "money", "card_used": "no", "consumer": "no", "lost_money": "no"}[q]
	})
	if st.Outcome == nil || st.Outcome.Category != "fraud.scam" {
		t.Errorf("scam keeps its category: %+v", st.Outcome)
	}
}
