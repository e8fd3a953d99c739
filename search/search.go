// Package search finds reports and cases by their words. The stores index
// text with SQLite FTS5 or PostgreSQL full-text search; this package turns
// what an analyst types into terms that neither engine reads as syntax.
package search

import (
	"context"
	"strings"
	"unicode"
)

// MaxTerms bounds a query, so that a pasted page cannot make a huge one.
const MaxTerms = 12

// Terms splits a query into words (letters and digits), lower-cased, with
// every operator character dropped.
func Terms(q string) []string {
	words := strings.FieldsFunc(q, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	var out []string
	seen := map[string]bool{}
	for _, w := range words {
		w = strings.ToLower(w)
		if len([]rune(w)) > 64 || seen[w] {
			continue
		}
		seen[w] = true
		out = append(out, w)
		if len(out) == MaxTerms {
			break
		}
	}
	return out
}

// Store finds report and case ids whose text holds every term, newest first.
type Store interface {
	SearchReports(ctx context.Context, terms []string, limit int) ([]string, error)
	SearchCases(ctx context.Context, terms []string, limit int) ([]string, error)
}

// Indexer brings the text index up to date with linked reports, for the
// stores that index after linking rather than within it.
type Indexer interface {
	IndexPendingText(ctx context.Context, limit int) (int, error)
}
