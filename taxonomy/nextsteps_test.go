package taxonomy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNextSteps(t *testing.T) {
	n := DefaultNextSteps()
	if got := n.For("fraud.scam").In("fr"); len(got) == 0 || !strings.Contains(strings.Join(got, " "), "banque") {
		t.Errorf("scam steps do not send to the bank: %q", got)
	}
	if got := n.For("fraud.scam").In("en"); !strings.Contains(strings.Join(got, " "), "complaint") {
		t.Errorf("English scam steps do not name a complaint: %q", got)
	}
	if got := n.For("other").In("en"); len(got) == 0 || got[0] != n.def.EN[0] {
		t.Errorf("a category without steps does not get the default: %q", got)
	}
	tax := Default()
	for _, tc := range []struct{ name, doc, want string }{
		{"unknown code", `{"version":1,"default":{"fr":["a"],"en":["b"]},"categories":{"fraud.scamm":{"fr":["a"],"en":["b"]}}}`, "not in the taxonomy"},
		{"one language", `{"version":1,"default":{"fr":["a"],"en":["b"]},"categories":{"fraud.scam":{"fr":["a"]}}}`, "both fr and en"},
		{"no default", `{"version":1,"categories":{}}`, "default"},
		{"empty step", `{"version":1,"default":{"fr":[""],"en":["b"]}}`, "empty"},
		{"version", `{"version":2,"default":{"fr":["a"],"en":["b"]}}`, "version"},
		{"unknown field", `{"version":1,"default":{"fr":["a"],"en":["b"]},"extra":1}`, "unknown field"},
	} {
		if _, err := ParseNextSteps([]byte(tc.doc), tax); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}

func FuzzParseNextSteps(f *testing.F) {
	f.Add(defaultNextSteps)
	f.Add([]byte(`{"version":1,"default":{"fr":["a"],"en":["b"]}}`))
	tax := Default()
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := ParseNextSteps(b, tax)
		if err != nil {
			return
		}
		for _, c := range tax.Categories() {
			s := n.For(c.Code)
			if len(s.In("fr")) == 0 || len(s.In("en")) == 0 {
				t.Fatalf("%s: no steps in a language", c.Code)
			}
		}
	})
}

// The embedded steps serve an installation with its own taxonomy: the
// categories it lacks are left out, and a file given is still held to it.
func TestDefaultNextStepsWithAnotherTaxonomy(t *testing.T) {
	other, err := Parse([]byte(`{"version":1,"categories":[{"code":"arnaque","label":{"fr":"Arnaque","en":"Scam"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	n, err := LoadNextSteps("", other)
	if err != nil {
		t.Fatalf("embedded steps with another taxonomy: %v", err)
	}
	if len(n.byCode) != 0 {
		t.Errorf("steps kept for categories the taxonomy lacks: %v", n.byCode)
	}
	path := filepath.Join(t.TempDir(), "steps.json")
	if err := os.WriteFile(path, defaultNextSteps, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadNextSteps(path, other); err == nil || !strings.Contains(err.Error(), "is not in the taxonomy") {
		t.Errorf("a file naming unknown categories: %v", err)
	}
}
