package web

import "github.com/vigie-platform/vigie/problem"

// Problem says err in the page's language: a problem (a code and its
// values) through the one catalogue of package problem; any other error
// is not the reader's to fix and is shown as it is.
func (p Page) Problem(err error) string {
	if pr, ok := problem.As(err); ok {
		return pr.In(p.Lang)
	}
	return err.Error()
}
