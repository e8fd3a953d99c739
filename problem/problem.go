// Package problem is how the domain says that a request cannot be done as
// asked: a code that names the problem, and the values it is about. The
// code, not an English sentence, is what the interfaces translate: one
// catalogue (catalogue.go) holds each problem's French and English text.
package problem

import (
	"errors"
	"fmt"
)

// Problem is something wrong with what a person asked for. It is an error
// the person can fix, never a fault of the system.
type Problem struct {
	Code string
	Args []any
}

// New names a problem. The code must be in the catalogue (a test checks
// every code written in the sources).
func New(code string, args ...any) *Problem {
	return &Problem{Code: code, Args: args}
}

// Error says the problem in English, for logs, the API and the CLI.
func (p *Problem) Error() string { return p.In("en") }

// Field names a form field inside a problem's arguments, so that it is
// said in the reader's language too.
type Field string

// In says the problem in lang ("fr" or "en"; any other is English).
func (p *Problem) In(lang string) string {
	m, ok := catalogue[p.Code]
	if !ok {
		// A code missing from the catalogue is a defect; the code itself
		// still tells the reader (and the developer) what went wrong.
		return fmt.Sprint(append([]any{p.Code}, p.Args...)...)
	}
	format := m.en
	if lang == "fr" {
		format = m.fr
	}
	args := make([]any, len(p.Args))
	for i, a := range p.Args {
		if f, ok := a.(Field); ok {
			a = fieldName(f, lang)
		}
		args[i] = a
	}
	return fmt.Sprintf(format, args...)
}

// Is makes errors.Is(err, problem.New(code)) match on the code, so that
// callers and tests can ask which problem it was.
func (p *Problem) Is(target error) bool {
	t, ok := target.(*Problem)
	return ok && t.Code == p.Code && t.Args == nil
}

// As returns the problem err holds, if any.
func As(err error) (*Problem, bool) {
	var p *Problem
	ok := errors.As(err, &p)
	return p, ok
}

func fieldName(f Field, lang string) string {
	if lang == "fr" {
		if n, ok := fieldsFR[f]; ok {
			return n
		}
	}
	return string(f)
}

// fieldsFR names in French the form fields that problems mention.
var fieldsFR = map[Field]string{
	"title": "Titre", "summary": "Résumé", "note": "Note", "reason": "Motif", "outcome": "Suite",
}
