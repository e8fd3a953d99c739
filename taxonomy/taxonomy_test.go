package taxonomy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaultHasDomainCategories(t *testing.T) {
	tx := Default()
	for _, code := range []string{"minors.abuse-material", "minors.grooming", "terrorism.apology", "fraud.scam", "other"} {
		if _, ok := tx.Lookup(code); !ok {
			t.Errorf("default taxonomy lacks %s", code)
		}
	}
	c, _ := tx.Lookup("minors.abuse-material")
	if !c.UrgentDefault || !c.NeverFetch {
		t.Errorf("minors.abuse-material must be urgent and never fetched: %+v", c)
	}
	if got := c.Label.In("en"); got != "Child sexual abuse material" {
		t.Errorf("english label = %q", got)
	}
	if got := c.Label.In("de"); got != "Pédopornographie" {
		t.Errorf("fallback label = %q", got)
	}
}

func TestLoadReplacesWithoutRecompiling(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tax.json")
	doc := `{"version":1,"categories":[{"code":"minors.other","label":{"fr":"A","en":"B"},"advice":{"fr":"","en":""},"legal":[],"urgent_default":false}]}`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	tx, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(tx.Categories()) != 1 {
		t.Fatalf("got %d categories", len(tx.Categories()))
	}
	c, ok := tx.Lookup("minors.other")
	if !ok || !c.NeverFetch {
		t.Errorf("minors.* must be forced to never_fetch: %+v", c)
	}
	if _, ok := tx.Lookup("fraud.scam"); ok {
		t.Error("a loaded file must replace the default, not extend it")
	}
}

func TestParseRejects(t *testing.T) {
	cases := []struct{ name, doc, want string }{
		{"bad version", `{"version":2,"categories":[]}`, "version"},
		{"empty", `{"version":1,"categories":[]}`, "no categories"},
		{"bad code", `{"version":1,"categories":[{"code":"Fraud Scam","label":{"fr":"a","en":"b"}}]}`, "code"},
		{"missing en", `{"version":1,"categories":[{"code":"x","label":{"fr":"a"}}]}`, "fr and en"},
		{"duplicate", `{"version":1,"categories":[{"code":"x","label":{"fr":"a","en":"b"}},{"code":"x","label":{"fr":"a","en":"b"}}]}`, "twice"},
		{"unknown field", `{"version":1,"categories":[{"code":"x","colour":"red","label":{"fr":"a","en":"b"}}]}`, "colour"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want mention of %q", err, tc.want)
			}
		})
	}
}

func TestTargetTimes(t *testing.T) {
	tax := Default()
	cases := []struct {
		code   string
		urgent bool
		want   time.Duration
	}{
		{"fraud.scam", false, 72 * time.Hour},
		{"fraud.scam", true, 15 * time.Minute},
		{"minors.grooming", false, 4 * time.Hour},
		{"minors.grooming", true, 15 * time.Minute},
		{"danger.self-harm", false, 15 * time.Minute},
		{"terrorism.apology", false, time.Hour},
		{"no.such-category", false, 72 * time.Hour},
	}
	for _, c := range cases {
		if got := tax.Target(c.code, c.urgent); got != c.want {
			t.Errorf("Target(%s, urgent %v) = %s, want %s", c.code, c.urgent, got, c.want)
		}
	}
	// An urgent target longer than a category's own leaves the shorter.
	slow, err := Parse([]byte(`{"version":1,"urgent_target_minutes":600,"categories":[{"code":"a","label":{"fr":"A","en":"A"},"target_minutes":5}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := slow.Target("a", true); got != 5*time.Minute {
		t.Errorf("urgent target of a 5-minute category = %s, want 5m", got)
	}
	for _, bad := range []string{
		`{"version":1,"urgent_target_minutes":-1,"categories":[{"code":"a","label":{"fr":"A","en":"A"}}]}`,
		`{"version":1,"categories":[{"code":"a","label":{"fr":"A","en":"A"},"target_minutes":-5}]}`,
	} {
		if _, err := Parse([]byte(bad)); err == nil || !strings.Contains(err.Error(), "must be positive") {
			t.Errorf("Parse(%s) = %v, want a clear refusal", bad, err)
		}
	}
	if n := len(tax.Targets()); n != len(tax.Categories()) {
		t.Errorf("%d targets for %d categories", n, len(tax.Categories()))
	}
}
