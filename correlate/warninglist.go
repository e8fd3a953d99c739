// Package correlate links reports that share identifiers, through an
// inverted index kept by the store, and keeps values that would link
// everything (a webmail domain, a big platform) from doing so.
package correlate

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/vigie-platform/vigie/indicator"
)

//go:embed warninglist.json
var defaultWarningList []byte

// Rule matches values of some types that must not link reports, the way
// MISP's warning lists do, but applied when linking rather than when
// displaying.
type Rule struct {
	Types  []indicator.Type `json:"types"`
	Match  string           `json:"match"` // exact, suffix or cidr
	Values []string         `json:"values"`
	Reason string           `json:"reason"`
}

// WarningList is a validated set of rules plus the cap on reports per value.
type WarningList struct {
	// Cap is how many reports one value may link; past it the value is
	// flagged and links no more.
	Cap      int
	exact    map[indicator.Type]map[string]string
	suffixes map[indicator.Type][]suffixRule
	prefixes map[indicator.Type][]prefixRule
}

type suffixRule struct{ suffix, reason string }
type prefixRule struct {
	prefix netip.Prefix
	reason string
}

// DefaultWarningList returns the embedded list.
func DefaultWarningList() *WarningList {
	w, err := ParseWarningList(defaultWarningList)
	if err != nil {
		panic("correlate: embedded warning list is invalid: " + err.Error())
	}
	return w
}

// LoadWarningList reads a list file; an empty path means the default.
func LoadWarningList(path string) (*WarningList, error) {
	if path == "" {
		return DefaultWarningList(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("warning list: %w", err)
	}
	w, err := ParseWarningList(b)
	if err != nil {
		return nil, fmt.Errorf("warning list %s: %w", path, err)
	}
	return w, nil
}

// ParseWarningList decodes and checks a list document.
func ParseWarningList(b []byte) (*WarningList, error) {
	var doc struct {
		Version int    `json:"version"`
		Cap     int    `json:"cap"`
		Rules   []Rule `json:"rules"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if doc.Version != 1 {
		return nil, fmt.Errorf("unsupported version %d (want 1)", doc.Version)
	}
	if doc.Cap < 2 {
		return nil, fmt.Errorf("cap must be at least 2, got %d", doc.Cap)
	}
	w := &WarningList{Cap: doc.Cap, exact: map[indicator.Type]map[string]string{},
		suffixes: map[indicator.Type][]suffixRule{}, prefixes: map[indicator.Type][]prefixRule{}}
	for i, r := range doc.Rules {
		if r.Reason == "" {
			return nil, fmt.Errorf("rule %d: a reason is required", i)
		}
		if len(r.Types) == 0 {
			return nil, fmt.Errorf("rule %d (%s): no types", i, r.Reason)
		}
		for _, t := range r.Types {
			if _, err := indicator.ParseType(string(t)); err != nil {
				return nil, fmt.Errorf("rule %d (%s): %w", i, r.Reason, err)
			}
			for _, v := range r.Values {
				switch r.Match {
				case "exact":
					norm, err := indicator.Normalise(t, v, indicator.DefaultOptions)
					if err != nil {
						norm = strings.ToLower(strings.TrimSpace(v)) // emergency short numbers are not full numbers
					}
					if w.exact[t] == nil {
						w.exact[t] = map[string]string{}
					}
					w.exact[t][norm] = r.Reason
				case "suffix":
					w.suffixes[t] = append(w.suffixes[t], suffixRule{strings.ToLower(strings.TrimPrefix(v, ".")), r.Reason})
				case "cidr":
					p, err := netip.ParsePrefix(v)
					if err != nil {
						return nil, fmt.Errorf("rule %d (%s): %q: %w", i, r.Reason, v, err)
					}
					w.prefixes[t] = append(w.prefixes[t], prefixRule{p.Masked(), r.Reason})
				default:
					return nil, fmt.Errorf("rule %d (%s): match must be exact, suffix or cidr, not %q", i, r.Reason, r.Match)
				}
			}
		}
	}
	return w, nil
}

// Check says whether a normalised value is on the list, and why.
func (w *WarningList) Check(t indicator.Type, value string) (reason string, listed bool) {
	if r, ok := w.exact[t][value]; ok {
		return r, true
	}
	for _, s := range w.suffixes[t] {
		if value == s.suffix || strings.HasSuffix(value, "."+s.suffix) {
			return s.reason, true
		}
	}
	if len(w.prefixes[t]) > 0 {
		if addr, err := netip.ParseAddr(value); err == nil {
			for _, p := range w.prefixes[t] {
				if p.prefix.Contains(addr) {
					return p.reason, true
				}
			}
		}
	}
	return "", false
}
