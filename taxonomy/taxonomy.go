// Package taxonomy holds the offence categories a report can be filed under.
//
// The categories are reference data, not code: the binary embeds a default
// (default.json, drawn from the domain reference) and an operator may replace
// it with a file of the same shape without recompiling.
package taxonomy

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"
)

//go:embed default.json
var defaultFile []byte

// Text is a string translated into the languages the portal speaks.
type Text struct {
	FR string `json:"fr"`
	EN string `json:"en"`
}

// In returns the text in lang, falling back to French, the platform's default.
func (t Text) In(lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.FR
}

// Category is one offence category.
type Category struct {
	Code          string   `json:"code"`
	Label         Text     `json:"label"`
	Advice        Text     `json:"advice"`
	Legal         []string `json:"legal"`
	UrgentDefault bool     `json:"urgent_default"`
	// NeverFetch marks categories whose content the server must never
	// download by itself (possessing child-abuse images is an offence).
	NeverFetch bool `json:"never_fetch"`
	// RetentionDays is how long a report's personal data is kept before
	// it is purged (0: the taxonomy's default, DefaultRetentionDays).
	RetentionDays int `json:"retention_days,omitempty"`
	// TargetMinutes is how soon an analyst should look at a report of
	// the category (0: DefaultTargetMinutes). The queue is ordered by the
	// deadline it gives.
	TargetMinutes int `json:"target_minutes,omitempty"`
}

// DefaultRetentionDays is the retention when a category sets none: two
// years, as the French platform's founding order set for reporters' data.
const DefaultRetentionDays = 730

// DefaultTargetMinutes is the target time of a category that sets none:
// three days, the slowest of the domain's defaults.
const DefaultTargetMinutes = 72 * 60

// DefaultUrgentTargetMinutes caps the target of a report flagged urgent
// (someone in danger now): a threat to life is looked at within the
// quarter-hour whatever its category.
const DefaultUrgentTargetMinutes = 15

// Target is how soon a report of the category should be looked at.
func (c Category) Target() time.Duration {
	m := c.TargetMinutes
	if m <= 0 {
		m = DefaultTargetMinutes
	}
	return time.Duration(m) * time.Minute
}

// Retention is how long a category's reports keep their personal data.
func (c Category) Retention() time.Duration {
	days := c.RetentionDays
	if days <= 0 {
		days = DefaultRetentionDays
	}
	return time.Duration(days) * 24 * time.Hour
}

// Taxonomy is an ordered, validated set of categories.
type Taxonomy struct {
	categories []Category
	byCode     map[string]int
	urgent     time.Duration
}

var codePattern = regexp.MustCompile(`^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$`)

// Default returns the embedded taxonomy.
func Default() *Taxonomy {
	t, err := Parse(defaultFile)
	if err != nil {
		panic("taxonomy: embedded default is invalid: " + err.Error())
	}
	return t
}

// Load reads a taxonomy file; an empty path means the embedded default.
func Load(path string) (*Taxonomy, error) {
	if path == "" {
		return Default(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("taxonomy: %w", err)
	}
	t, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("taxonomy %s: %w", path, err)
	}
	return t, nil
}

// Parse decodes and checks a taxonomy document.
func Parse(b []byte) (*Taxonomy, error) {
	var doc struct {
		Version    int        `json:"version"`
		Categories []Category `json:"categories"`
		// UrgentTargetMinutes caps the target time of urgent reports.
		UrgentTargetMinutes int `json:"urgent_target_minutes,omitempty"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if doc.Version != 1 {
		return nil, fmt.Errorf("unsupported version %d (want 1)", doc.Version)
	}
	if len(doc.Categories) == 0 {
		return nil, fmt.Errorf("no categories")
	}
	if doc.UrgentTargetMinutes < 0 {
		return nil, fmt.Errorf("urgent_target_minutes must be positive, not %d", doc.UrgentTargetMinutes)
	}
	urgent := doc.UrgentTargetMinutes
	if urgent == 0 {
		urgent = DefaultUrgentTargetMinutes
	}
	t := &Taxonomy{byCode: make(map[string]int, len(doc.Categories)), urgent: time.Duration(urgent) * time.Minute}
	for i, c := range doc.Categories {
		switch {
		case c.TargetMinutes < 0:
			return nil, fmt.Errorf("category %s: target_minutes must be positive, not %d", c.Code, c.TargetMinutes)
		case !codePattern.MatchString(c.Code):
			return nil, fmt.Errorf("category %d: code %q must be lower-case words separated by dots", i, c.Code)
		case c.Label.FR == "" || c.Label.EN == "":
			return nil, fmt.Errorf("category %s: label needs both fr and en", c.Code)
		}
		if _, dup := t.byCode[c.Code]; dup {
			return nil, fmt.Errorf("category %s: defined twice", c.Code)
		}
		// Whatever the file says, minors.* content is never fetched.
		if strings.HasPrefix(c.Code, "minors.") {
			c.NeverFetch = true
		}
		t.byCode[c.Code] = len(t.categories)
		t.categories = append(t.categories, c)
	}
	return t, nil
}

// Categories returns the categories in file order.
func (t *Taxonomy) Categories() []Category {
	return append([]Category(nil), t.categories...)
}

// Lookup finds a category by code.
func (t *Taxonomy) Lookup(code string) (Category, bool) {
	i, ok := t.byCode[code]
	if !ok {
		return Category{}, false
	}
	return t.categories[i], true
}

// Target is how soon a report should be looked at: its category's target
// time, capped by the urgent target when the report is flagged urgent. An
// unknown category gets the default.
func (t *Taxonomy) Target(code string, urgent bool) time.Duration {
	d := time.Duration(DefaultTargetMinutes) * time.Minute
	if c, ok := t.Lookup(code); ok {
		d = c.Target()
	}
	if urgent && t.urgent < d {
		d = t.urgent
	}
	return d
}

// Targets lists every category's target times, for the store to recompute
// the deadlines of waiting reports when the taxonomy changes.
func (t *Taxonomy) Targets() []Target {
	out := make([]Target, 0, len(t.categories))
	for _, c := range t.categories {
		out = append(out, Target{Category: c.Code, Normal: t.Target(c.Code, false), Urgent: t.Target(c.Code, true)})
	}
	return out
}

// Target is the deadlines' offsets of one category.
type Target struct {
	Category       string
	Normal, Urgent time.Duration
}
