// Package routing proposes where a case goes: an ordered list of rules,
// each a condition in the expr language over the case's facts (category,
// urgency, the victim's département, where each URL is hosted, the
// reporter's country, the amount lost), yielding destinations and a
// reason. Rules are checked when loaded; every proposal says which rules
// fired and why, so an analyst can accept or override it knowingly.
package routing

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	"github.com/vigie-platform/vigie/destination"
)

//go:embed rules.json
var defaultRules []byte

// Host is one URL host of the case and where it is.
type Host struct {
	Name    string
	IP      string
	Country string // "" when unknown
	ASN     uint
	Org     string
}

// Facts are what rules see. Field names are the rules' vocabulary.
type Facts struct {
	Category          string
	Urgent            bool
	VictimDepartement string  // "75", "2A"…, "" when unknown
	ReporterCountry   string  // ISO alpha-2, "" when unknown
	AmountLost        float64 // in the reports' currency units, summed
	Hosts             []Host
	HostCountries     []string // distinct known countries of the hosts
	HostedAbroad      bool     // some host is known to be outside France
}

// Rule is one line of the rules file.
type Rule struct {
	Name   string   `json:"name"`
	When   string   `json:"when"`
	Route  []string `json:"route"`
	Reason string   `json:"reason"`
	// Stop ends the evaluation when the rule fires.
	Stop bool `json:"stop,omitempty"`
	// Fallback fires only when no rule before it proposed anything.
	Fallback bool `json:"fallback,omitempty"`

	program *vm.Program
}

// Rules is a checked, ordered rule list.
type Rules struct {
	rules []Rule
}

// Fired is a rule that matched, with the destinations it gave.
type Fired struct {
	Rule         string   `json:"rule"`
	Reason       string   `json:"reason"`
	Destinations []string `json:"destinations"`
}

// Proposal is the outcome of routing one case.
type Proposal struct {
	Facts        Facts    `json:"facts"`
	Fired        []Fired  `json:"fired"`
	Destinations []string `json:"destinations"`
}

var placeholder = regexp.MustCompile(`\{([A-Za-z]+)\}`)

// Default is the embedded rules file, checked against reg.
func Default(reg *destination.Registry) (*Rules, error) { return Parse(defaultRules, reg) }

// Load reads a rules file ("" for the default).
func Load(path string, reg *destination.Registry) (*Rules, error) {
	if path == "" {
		return Default(reg)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("routing rules: %w", err)
	}
	r, err := Parse(b, reg)
	if err != nil {
		return nil, fmt.Errorf("routing rules %s: %w", path, err)
	}
	return r, nil
}

// Parse compiles and checks every rule; an error names the rule and the
// problem.
func Parse(b []byte, reg *destination.Registry) (*Rules, error) {
	var doc struct {
		Version int    `json:"version"`
		Rules   []Rule `json:"rules"`
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("not a rules file: %w", err)
	}
	if doc.Version != 1 {
		return nil, fmt.Errorf("version %d, want 1", doc.Version)
	}
	if len(doc.Rules) == 0 {
		return nil, fmt.Errorf("no rule")
	}
	seen := map[string]bool{}
	for i := range doc.Rules {
		r := &doc.Rules[i]
		where := fmt.Sprintf("rule %d (%s)", i+1, r.Name)
		if r.Name == "" {
			return nil, fmt.Errorf("rule %d: name is required", i+1)
		}
		if seen[r.Name] {
			return nil, fmt.Errorf("%s: the name is used twice", where)
		}
		seen[r.Name] = true
		if strings.TrimSpace(r.Reason) == "" {
			return nil, fmt.Errorf("%s: reason is required (analysts read it)", where)
		}
		if len(r.Route) == 0 {
			return nil, fmt.Errorf("%s: route names no destination", where)
		}
		program, err := expr.Compile(r.When, expr.Env(Facts{}), expr.AsBool())
		if err != nil {
			return nil, fmt.Errorf("%s: when: %w", where, err)
		}
		r.program = program
		for _, code := range r.Route {
			if err := checkRoute(code, reg); err != nil {
				return nil, fmt.Errorf("%s: route: %w", where, err)
			}
		}
	}
	return &Rules{rules: doc.Rules}, nil
}

// checkRoute accepts a registry code, or a template whose placeholders
// are text facts (e.g. local-police-{VictimDepartement}) and which names a
// registry entry once filled.
func checkRoute(code string, reg *destination.Registry) error {
	if !placeholder.MatchString(code) {
		if _, ok := reg.Lookup(code); !ok {
			return fmt.Errorf("unknown destination %q", code)
		}
		return nil
	}
	var bad error
	sample := placeholder.ReplaceAllStringFunc(code, func(m string) string {
		switch m[1 : len(m)-1] {
		case "VictimDepartement":
			return "75"
		case "ReporterCountry", "Category":
			return "x"
		}
		bad = fmt.Errorf("%q: unknown placeholder %s (VictimDepartement, ReporterCountry or Category)", code, m)
		return m
	})
	if bad != nil {
		return bad
	}
	if _, ok := reg.Lookup(sample); !ok {
		return fmt.Errorf("%q names no destination once filled (tried %q)", code, sample)
	}
	return nil
}

func fill(code string, f Facts) string {
	return placeholder.ReplaceAllStringFunc(code, func(m string) string {
		switch m[1 : len(m)-1] {
		case "VictimDepartement":
			return strings.ToLower(f.VictimDepartement)
		case "ReporterCountry":
			return strings.ToLower(f.ReporterCountry)
		case "Category":
			return f.Category
		}
		return m
	})
}

// Propose runs the rules over a case's facts.
func (rs *Rules) Propose(f Facts, reg *destination.Registry) (Proposal, error) {
	p := Proposal{Facts: f}
	for _, r := range rs.rules {
		if r.Fallback && len(p.Destinations) > 0 {
			continue
		}
		out, err := expr.Run(r.program, f)
		if err != nil {
			return p, fmt.Errorf("rule %s: %w", r.Name, err)
		}
		if ok, _ := out.(bool); !ok {
			continue
		}
		fired := Fired{Rule: r.Name, Reason: r.Reason}
		for _, code := range r.Route {
			code = fill(code, f)
			if _, known := reg.Lookup(code); !known {
				// A template filled with a value outside the registry
				// (an unknown département) proposes nothing.
				continue
			}
			fired.Destinations = append(fired.Destinations, code)
			if !slices.Contains(p.Destinations, code) {
				p.Destinations = append(p.Destinations, code)
			}
		}
		p.Fired = append(p.Fired, fired)
		if r.Stop {
			break
		}
	}
	return p, nil
}

// Rules lists the rules (for the explain command and the case page).
func (rs *Rules) Rules() []Rule { return slices.Clone(rs.rules) }
