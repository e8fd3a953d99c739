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
}

// DefaultRetentionDays is the retention when a category sets none: two
// years, as the French platform's founding order set for reporters' data.
const DefaultRetentionDays = 730

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
	t := &Taxonomy{byCode: make(map[string]int, len(doc.Categories))}
	for i, c := range doc.Categories {
		switch {
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
