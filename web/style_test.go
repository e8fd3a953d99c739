package web

import (
	"strings"
	"testing"
)

// TestStyleSheetIsBalanced: a block left open (as a merge once left the
// print block) silently moves every later rule inside it, and the phone
// layout of the public form with them.
func TestStyleSheetIsBalanced(t *testing.T) {
	b, err := staticFS.ReadFile("static/style.css")
	if err != nil {
		t.Fatal(err)
	}
	depth, line := 0, 1
	inComment := false
	s := string(b)
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\n':
			line++
		case inComment && strings.HasPrefix(s[i:], "*/"):
			inComment, i = false, i+1
		case inComment:
		case strings.HasPrefix(s[i:], "/*"):
			inComment = true
		case s[i] == '{':
			depth++
			if depth > 2 {
				t.Fatalf("line %d: a third level of blocks: one was left open above", line)
			}
		case s[i] == '}':
			depth--
			if depth < 0 {
				t.Fatalf("line %d: a block closed that was not open", line)
			}
		}
	}
	if depth != 0 || inComment {
		t.Fatalf("style.css ends with %d blocks open (comment open: %v)", depth, inComment)
	}
}
