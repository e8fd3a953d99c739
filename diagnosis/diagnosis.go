// Package diagnosis routes a person, before the report form, to the door
// that serves them best: an emergency number, another public service
// (online complaint, bank-card fraud, consumer disputes, help for
// victims), a complaint, or the report form itself with its category
// chosen.
//
// The doors, the questions and the rules that lead from the answers to a
// door are configuration, not code (default.json, or a file of the same
// shape given to `vigie serve --diagnosis`), so that another country's
// installation names its own services. The engine is a decision list:
// rules are tried in order, the first whose conditions all hold wins, and
// while an earlier rule is still open the question it needs is asked.
// Answers travel in the query string only (one question per page), so the
// questionnaire needs no script and keeps nothing in the browser.
package diagnosis

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/vigie-platform/vigie/taxonomy"
)

//go:embed default.json
var defaultFile []byte

// Text is said in French and English.
type Text = taxonomy.Text

// Door kinds.
const (
	KindCall      = "call"      // emergency and help numbers
	KindService   = "service"   // another public service, online
	KindComplaint = "complaint" // filing a complaint
	KindReport    = "report"    // this platform's report form
)

var kinds = []string{KindCall, KindService, KindComplaint, KindReport}

// Number is a phone number a door gives; SMS marks one reached by text
// message (114, for deaf and hard-of-hearing people).
type Number struct {
	Number string `json:"number"`
	Label  Text   `json:"label"`
	SMS    bool   `json:"sms,omitempty"`
}

// Door is where a person is sent.
type Door struct {
	ID          string   `json:"id"`
	Kind        string   `json:"kind"`
	Name        Text     `json:"name"`
	Explanation Text     `json:"explanation"`
	URL         string   `json:"url,omitempty"`
	Numbers     []Number `json:"numbers,omitempty"`
}

// Option is one answer to a question.
type Option struct {
	Value string `json:"value"`
	Label Text   `json:"label"`
}

// Question is asked on a page of its own.
type Question struct {
	ID      string   `json:"id"`
	Text    Text     `json:"text"`
	Hint    Text     `json:"hint,omitempty"`
	Options []Option `json:"options"`
}

// Option finds an answer by value.
func (q Question) Option(value string) (Option, bool) {
	for _, o := range q.Options {
		if o.Value == value {
			return o, true
		}
	}
	return Option{}, false
}

// Rule sends to Door the people whose answers meet When: for each
// question named, the answer is one of the values listed. Category, when
// set, is the category the report form opens with; Also names doors shown
// beside the main one.
type Rule struct {
	When     map[string][]string `json:"when"`
	Door     string              `json:"door"`
	Also     []string            `json:"also,omitempty"`
	Category string              `json:"category,omitempty"`
}

// Config is a validated diagnosis: its doors, questions and rules.
type Config struct {
	Doors     []Door     `json:"doors"`
	Questions []Question `json:"questions"`
	Rules     []Rule     `json:"rules"`

	doors     map[string]int
	questions map[string]int
}

var (
	idPattern    = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,39}$`)
	valuePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)
	phonePattern = regexp.MustCompile(`^[0-9+][0-9 ]{1,19}$`)
)

// reserved are query parameters the portal uses beside the answers.
var reserved = []string{"lang", "category", "door", "asked"}

// Default is the embedded configuration. Its rules name categories of
// the embedded taxonomy; with another taxonomy, a rule whose category it
// lacks opens the form at the choice of category instead, so that an
// installation with its own categories still starts.
func Default(tax *taxonomy.Taxonomy) *Config {
	c, err := Parse(defaultFile, nil)
	if err != nil {
		panic("diagnosis: embedded default is invalid: " + err.Error())
	}
	for i, r := range c.Rules {
		if _, ok := tax.Lookup(r.Category); tax != nil && !ok {
			c.Rules[i].Category = ""
		}
	}
	return c
}

// Load reads a configuration file; an empty path means the embedded
// default. Categories named by a file's rules must exist in tax.
func Load(path string, tax *taxonomy.Taxonomy) (*Config, error) {
	if path == "" {
		return Default(tax), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("diagnosis: %w", err)
	}
	c, err := Parse(b, tax)
	if err != nil {
		return nil, fmt.Errorf("diagnosis %s: %w", path, err)
	}
	return c, nil
}

// Parse decodes and checks a configuration. Every error names the
// element at fault, so that an operator can fix the file. A nil tax skips
// the check of categories.
func Parse(b []byte, tax *taxonomy.Taxonomy) (*Config, error) {
	var doc struct {
		Version int `json:"version"`
		Config
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if dec.More() {
		return nil, errors.New("decode: data after the document")
	}
	if doc.Version != 1 {
		return nil, fmt.Errorf("unsupported version %d (want 1)", doc.Version)
	}
	c := &doc.Config
	if err := c.check(tax); err != nil {
		return nil, err
	}
	return c, nil
}

func bothLanguages(t Text) bool {
	return strings.TrimSpace(t.FR) != "" && strings.TrimSpace(t.EN) != ""
}

func (c *Config) check(tax *taxonomy.Taxonomy) error {
	if len(c.Doors) == 0 || len(c.Rules) == 0 {
		return errors.New("a diagnosis needs doors and rules")
	}
	c.doors = map[string]int{}
	for i, d := range c.Doors {
		where := fmt.Sprintf("door %d (%q)", i, d.ID)
		switch {
		case !idPattern.MatchString(d.ID):
			return fmt.Errorf("%s: id must be lower-case letters, digits, - or _ (40 at most)", where)
		case !slices.Contains(kinds, d.Kind):
			return fmt.Errorf("%s: kind %q is not one of %s", where, d.Kind, strings.Join(kinds, ", "))
		case !bothLanguages(d.Name) || !bothLanguages(d.Explanation):
			return fmt.Errorf("%s: name and explanation need both fr and en", where)
		case d.Kind == KindCall && len(d.Numbers) == 0:
			return fmt.Errorf("%s: a call door gives at least one number", where)
		case d.Kind == KindService && d.URL == "":
			return fmt.Errorf("%s: a service door gives its url", where)
		}
		if _, dup := c.doors[d.ID]; dup {
			return fmt.Errorf("%s: defined twice", where)
		}
		if d.URL != "" {
			if err := checkURL(d.URL); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
		}
		for j, n := range d.Numbers {
			if !phonePattern.MatchString(n.Number) || !bothLanguages(n.Label) {
				return fmt.Errorf("%s: number %d must be digits (spaces and a leading + allowed) with a label in fr and en", where, j)
			}
		}
		c.doors[d.ID] = i
	}
	c.questions = map[string]int{}
	for i, q := range c.Questions {
		where := fmt.Sprintf("question %d (%q)", i, q.ID)
		switch {
		case !idPattern.MatchString(q.ID) || strings.Contains(q.ID, "-"):
			return fmt.Errorf("%s: id must be lower-case letters, digits or _ (40 at most)", where)
		case slices.Contains(reserved, q.ID):
			return fmt.Errorf("%s: id is reserved (%s)", where, strings.Join(reserved, ", "))
		case !bothLanguages(q.Text):
			return fmt.Errorf("%s: text needs both fr and en", where)
		case len(q.Options) < 2:
			return fmt.Errorf("%s: a question offers at least two answers", where)
		}
		if _, dup := c.questions[q.ID]; dup {
			return fmt.Errorf("%s: defined twice", where)
		}
		seen := map[string]bool{}
		for j, o := range q.Options {
			if !valuePattern.MatchString(o.Value) || !bothLanguages(o.Label) {
				return fmt.Errorf("%s: answer %d needs a value (lower-case letters, digits, - or _) and a label in fr and en", where, j)
			}
			if seen[o.Value] {
				return fmt.Errorf("%s: answer %q given twice", where, o.Value)
			}
			seen[o.Value] = true
		}
		c.questions[q.ID] = i
	}
	used := map[string]bool{}
	for i, r := range c.Rules {
		where := fmt.Sprintf("rule %d (to %q)", i, r.Door)
		if _, ok := c.doors[r.Door]; !ok {
			return fmt.Errorf("%s: no door %q", where, r.Door)
		}
		for _, a := range r.Also {
			if _, ok := c.doors[a]; !ok || a == r.Door {
				return fmt.Errorf("%s: also names %q, which is not another door", where, a)
			}
		}
		if r.Category != "" && tax != nil {
			if _, ok := tax.Lookup(r.Category); !ok {
				return fmt.Errorf("%s: category %q is not in the taxonomy", where, r.Category)
			}
		}
		if len(r.When) == 0 && i != len(c.Rules)-1 {
			return fmt.Errorf("%s: a rule without conditions matches everyone, so it must be the last", where)
		}
		for qid, values := range r.When {
			qi, ok := c.questions[qid]
			if !ok {
				return fmt.Errorf("%s: no question %q", where, qid)
			}
			if len(values) == 0 {
				return fmt.Errorf("%s: question %q lists no answer", where, qid)
			}
			for _, v := range values {
				if _, ok := c.Questions[qi].Option(v); !ok {
					return fmt.Errorf("%s: question %q has no answer %q", where, qid, v)
				}
			}
			used[qid] = true
		}
	}
	if last := c.Rules[len(c.Rules)-1]; len(last.When) != 0 {
		return errors.New("the last rule must have no conditions, so that every person reaches a door")
	}
	for _, q := range c.Questions {
		if !used[q.ID] {
			return fmt.Errorf("question %q: no rule asks it", q.ID)
		}
	}
	return nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return fmt.Errorf("url %q must be an absolute http(s) address", s)
	}
	return nil
}

// Door finds a door by id.
func (c *Config) Door(id string) (Door, bool) {
	i, ok := c.doors[id]
	if !ok {
		return Door{}, false
	}
	return c.Doors[i], true
}

// Question finds a question by id.
func (c *Config) Question(id string) (Question, bool) {
	i, ok := c.questions[id]
	if !ok {
		return Question{}, false
	}
	return c.Questions[i], true
}

// Answer is one question answered.
type Answer struct {
	Question Question
	Option   Option
}

// Outcome is the door reached, with the rule's other doors and category.
type Outcome struct {
	Door     Door
	Also     []Door
	Category string
}

// Step is where a person stands: the answers that counted, in the order
// the questions were asked, then either the next question or the outcome.
type Step struct {
	Answers []Answer
	Next    *Question
	Outcome *Outcome
}

// Walk replays the questionnaire with the answers given (question id →
// answer value, as read from a query string): it asks the questions in
// the order the rules need them and takes each answer from given, until a
// rule decides or a question has no valid answer yet. Answers to
// questions that were not asked, or that are not one of the question's
// values, are ignored.
func (c *Config) Walk(given func(question string) string) Step {
	var st Step
	answers := map[string]string{}
	for {
		q, out := c.next(answers)
		if out != nil {
			st.Outcome = out
			return st
		}
		o, ok := q.Option(given(q.ID))
		if !ok {
			st.Next = q
			return st
		}
		answers[q.ID] = o.Value
		st.Answers = append(st.Answers, Answer{Question: *q, Option: o})
	}
}

// next is one turn of the decision list: the first rule whose conditions
// all hold decides; a rule with a condition not yet answered, before any
// that decides, asks for it (the first such question in the file's order).
func (c *Config) next(answers map[string]string) (*Question, *Outcome) {
	for _, r := range c.Rules {
		open := ""
		met := true
		for qid, values := range r.When {
			a, asked := answers[qid]
			switch {
			case !asked:
				if open == "" || c.questions[qid] < c.questions[open] {
					open = qid
				}
			case !slices.Contains(values, a):
				met = false
			}
			if !met {
				break
			}
		}
		if !met {
			continue
		}
		if open != "" {
			q := c.Questions[c.questions[open]]
			return &q, nil
		}
		out := &Outcome{Door: c.Doors[c.doors[r.Door]], Category: r.Category}
		for _, a := range r.Also {
			out.Also = append(out.Also, c.Doors[c.doors[a]])
		}
		return nil, out
	}
	// check() makes the last rule match everyone; this is not reached.
	return nil, &Outcome{Door: c.Doors[0]}
}

// Query is the query string that carries answers (for links: back, or
// change an answer).
func Query(answers []Answer) url.Values {
	v := url.Values{}
	for _, a := range answers {
		v.Set(a.Question.ID, a.Option.Value)
	}
	return v
}
