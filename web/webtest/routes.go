package webtest

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vigie-platform/vigie/web"
)

// countingMux records every pattern registered on it.
type countingMux struct{ patterns []string }

func (m *countingMux) Handle(pattern string, _ http.Handler) {
	m.patterns = append(m.patterns, pattern)
}

// bypass finds a registration that does not go through web.Registrar: a
// mux's Handle or HandleFunc, http's default mux, or a mux of one's own.
var bypass = regexp.MustCompile(`\.Handle(Func)?\(|\bhttp\.Handle(Func)?\(|NewServeMux\(`)

// CheckRoutes fails the test when an audience registers a route without
// declaring what it needs, or registers one by another way than its
// web.Registrar. register mounts the audience on the mux it is given and
// returns what its registrar recorded; dir is the audience's package,
// whose non-test sources must hold no registration of their own. valid
// tells a declared need from a typo (web.Public is always valid).
func CheckRoutes(t *testing.T, dir string, register func(web.Mux) []web.Route, valid func(need string) bool) {
	t.Helper()
	mux := &countingMux{}
	routes := register(mux)
	if len(routes) == 0 {
		t.Fatal("no route recorded")
	}
	var recorded []string
	for _, r := range routes {
		recorded = append(recorded, r.Pattern)
		switch {
		case r.Need == "":
			t.Errorf("%s is registered without a declared need", r.Pattern)
		case r.Need != web.Public && !valid(r.Need):
			t.Errorf("%s needs %q, which is not a known need", r.Pattern, r.Need)
		}
	}
	if !slices.Equal(recorded, mux.patterns) {
		t.Errorf("registered on the mux: %v\nrecorded with a need: %v", mux.patterns, recorded)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no sources in %s: %v", dir, err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			if bypass.MatchString(line) {
				t.Errorf("%s:%d registers a route outside the registrar: %s", name, i+1, strings.TrimSpace(line))
			}
		}
	}
}
