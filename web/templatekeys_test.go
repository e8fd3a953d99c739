package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestTemplatesNameKnownWords: every key a template writes as a literal
// (given to T or Plural, or set in a variable that is) is in the
// catalogue, so that no page shows a raw key such as "ws.wave.members"
// instead of its words. Keys built with printf are checked where the
// values they take are known (their own tests).
func TestTemplatesNameKnownWords(t *testing.T) {
	known := func(key string) bool {
		_, inUI := ui[key]
		_, inWS := wsui[key]
		return inUI || inWS
	}
	literal := regexp.MustCompile(`(?:\.T|\.Plural|:=|[^:!<>=]=)\s*"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)"`)
	var files int
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		files++
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
			if key := m[1]; !known(key) && !(known(key+".one") && known(key+".many")) {
				t.Errorf("%s names %q, which no catalogue holds", path, key)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 30 {
		t.Fatalf("read %d templates; the walk missed the packages' folders", files)
	}
}
