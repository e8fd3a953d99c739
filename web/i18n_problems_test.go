package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vigie-platform/vigie/account"
)

// TestProblemsTranslated reads the sources for every English problem the
// workspace can show (casefile and removal rules, workspace forms, fixed
// texts of other packages passed through badError) and fails when one has
// no French entry, or when the French format takes other arguments.
func TestProblemsTranslated(t *testing.T) {
	sources := map[string]*regexp.Regexp{
		"../casefile/casefile.go": regexp.MustCompile(`invalid\("((?:[^"\\]|\\.)*)"`),
		"../removal/removal.go":   regexp.MustCompile(`InvalidError\{(?:Format: )?"((?:[^"\\]|\\.)*)"`),
		"../triage/triage.go":     regexp.MustCompile(`errors\.New\("((?:[^"\\]|\\.)*)"\)`),
	}
	// web and its packages (the workspace, the figures).
	filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			sources[path] = regexp.MustCompile(`BadInput\("((?:[^"\\]|\\.)*)"`)
		}
		return err
	})
	verbs := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)
	found := 0
	for path, re := range sources {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			en := strings.ReplaceAll(m[1], `\"`, `"`)
			if path == "../triage/triage.go" && en == "no report waiting" {
				continue // shown through its own key (ws.err.empty)
			}
			found++
			fr, ok := problemsFR[en]
			if !ok {
				t.Errorf("%s: %q has no French in problemsFR", path, en)
				continue
			}
			if a, b := verbs.FindAllString(en, -1), verbs.FindAllString(fr, -1); strings.Join(a, " ") != strings.Join(b, " ") {
				t.Errorf("%q: French takes %v, English %v", en, b, a)
			}
		}
	}
	if found < 40 {
		t.Fatalf("found only %d messages: the patterns no longer match the sources", found)
	}
	if problemsFR[account.ErrExists.Error()] == "" {
		t.Errorf("%q has no French", account.ErrExists)
	}
}
