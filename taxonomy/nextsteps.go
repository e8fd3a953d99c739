package taxonomy

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
)

// The next steps a reporter is given with their receipt (a complaint, the
// bank, whom to call) are reference data too: they name national services
// and numbers, which another country replaces without recompiling.
//
//go:embed next_steps.json
var defaultNextSteps []byte

// Steps are the next steps of one category, in the portal's languages.
type Steps struct {
	FR []string `json:"fr"`
	EN []string `json:"en"`
}

// In returns the steps in lang, falling back to French.
func (s Steps) In(lang string) []string {
	if lang == "en" && len(s.EN) > 0 {
		return s.EN
	}
	return s.FR
}

// NextSteps holds each category's next steps and those of any category
// that names none.
type NextSteps struct {
	def    Steps
	byCode map[string]Steps
}

// For returns the steps of a category code, or the default ones.
func (n *NextSteps) For(code string) Steps {
	if s, ok := n.byCode[code]; ok {
		return s
	}
	return n.def
}

// DefaultNextSteps returns the embedded next steps, checked against the
// embedded taxonomy.
func DefaultNextSteps() *NextSteps {
	n, err := ParseNextSteps(defaultNextSteps, Default())
	if err != nil {
		panic("taxonomy: embedded next steps are invalid: " + err.Error())
	}
	return n
}

// LoadNextSteps reads a next-steps file checked against tax; an empty
// path means the embedded default.
func LoadNextSteps(path string, tax *Taxonomy) (*NextSteps, error) {
	b := defaultNextSteps
	if path != "" {
		var err error
		if b, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("next steps: %w", err)
		}
	}
	// The embedded steps are written for the embedded taxonomy: with an
	// installation's own taxonomy, the categories it lacks are left out
	// (their reports get the default steps); a file given is held to its
	// taxonomy.
	n, err := parseNextSteps(b, tax, path != "")
	if err != nil {
		return nil, fmt.Errorf("next steps %s: %w", path, err)
	}
	return n, nil
}

// maxSteps bounds a category's list: a receipt is one page.
const maxSteps = 8

// ParseNextSteps decodes a next-steps document. Every category it names
// must be in tax (a misspelt code would silently fall back to the
// default), and every list must say something in both languages.
func ParseNextSteps(b []byte, tax *Taxonomy) (*NextSteps, error) {
	return parseNextSteps(b, tax, true)
}

func parseNextSteps(b []byte, tax *Taxonomy, strict bool) (*NextSteps, error) {
	var doc struct {
		Version    int              `json:"version"`
		Default    Steps            `json:"default"`
		Categories map[string]Steps `json:"categories"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if doc.Version != 1 {
		return nil, fmt.Errorf("unsupported version %d (want 1)", doc.Version)
	}
	check := func(name string, s Steps) error {
		if len(s.FR) == 0 || len(s.EN) == 0 {
			return fmt.Errorf("%s: needs steps in both fr and en", name)
		}
		if len(s.FR) > maxSteps || len(s.EN) > maxSteps {
			return fmt.Errorf("%s: at most %d steps", name, maxSteps)
		}
		for _, list := range [][]string{s.FR, s.EN} {
			for i, step := range list {
				if step == "" {
					return fmt.Errorf("%s: step %d is empty", name, i+1)
				}
			}
		}
		return nil
	}
	if err := check("default", doc.Default); err != nil {
		return nil, err
	}
	n := &NextSteps{def: doc.Default, byCode: make(map[string]Steps, len(doc.Categories))}
	for code, s := range doc.Categories {
		if _, ok := tax.Lookup(code); !ok {
			if !strict {
				continue
			}
			return nil, fmt.Errorf("category %q is not in the taxonomy", code)
		}
		if err := check(code, s); err != nil {
			return nil, err
		}
		n.byCode[code] = s
	}
	return n, nil
}
