package problem

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestInSaysTheProblemInEachLanguage(t *testing.T) {
	tests := []struct {
		p    *Problem
		lang string
		want string
	}{
		{New("case.unknown_priority", "urgent"), "en", `unknown priority "urgent"`},
		{New("case.unknown_priority", "urgent"), "fr", `Priorité inconnue : "urgent".`},
		{New("text.required", Field("title")), "fr", "Titre : champ obligatoire"},
		{New("text.required", Field("title")), "en", "title is required"},
		{New("text.too_long", Field("note"), 12, 10), "fr", "Note : trop long (12 caractères, 10 au plus)"},
		{New("case.no_reports"), "de", "a case needs at least one report"},
		{New("no.such.code", 3), "fr", "no.such.code3"},
	}
	for _, tt := range tests {
		if got := tt.p.In(tt.lang); got != tt.want {
			t.Errorf("%s in %s = %q, want %q", tt.p.Code, tt.lang, got, tt.want)
		}
	}
	if got := New("case.merge_into_itself").Error(); got != "a case cannot be merged into itself" {
		t.Errorf("Error() = %q, want the English text", got)
	}
}

func TestIsMatchesOnTheCode(t *testing.T) {
	err := fmt.Errorf("qualify: %w", New("case.unknown_category", "x.y"))
	if !errors.Is(err, New("case.unknown_category")) {
		t.Error("a wrapped problem does not match its code")
	}
	if errors.Is(err, New("case.unknown_priority")) {
		t.Error("a problem matches another code")
	}
	if p, ok := As(err); !ok || p.Code != "case.unknown_category" || p.Args[0] != "x.y" {
		t.Errorf("As = %v, %v", p, ok)
	}
	if _, ok := As(errors.New("plain")); ok {
		t.Error("a plain error is taken for a problem")
	}
}

// verbs counts the formatting verbs of a format (%% is not one).
func verbs(format string) int {
	return strings.Count(format, "%") - 2*strings.Count(format, "%%")
}

func TestCatalogueHasBothLanguagesWithTheSameArguments(t *testing.T) {
	for code, m := range catalogue {
		if m.en == "" || m.fr == "" {
			t.Errorf("%s: missing text (en %q, fr %q)", code, m.en, m.fr)
		}
		if verbs(m.en) != verbs(m.fr) {
			t.Errorf("%s: %d arguments in English, %d in French", code, verbs(m.en), verbs(m.fr))
		}
	}
}

// TestEveryCodeWrittenIsInTheCatalogue reads the module's sources for
// problem.New("code" and fails on a code the catalogue lacks, so that no
// problem reaches a reader as a bare code.
func TestEveryCodeWrittenIsInTheCatalogue(t *testing.T) {
	root := filepath.Join("..")
	re := regexp.MustCompile(`problem\.New\("([^"]+)"`)
	seen := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			seen++
			if _, ok := catalogue[m[1]]; !ok && !strings.HasSuffix(path, "_test.go") {
				t.Errorf("%s: problem code %q is not in the catalogue", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 20 {
		t.Fatalf("found only %d problem codes in the sources: the scan is not reading them", seen)
	}
}
