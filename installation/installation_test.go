package installation

import (
	"os"
	"strings"
	"testing"

	"github.com/vigie-platform/vigie/taxonomy"
)

func TestDefault(t *testing.T) {
	i := Default()
	if i.Publisher.Name != "" || i.Accessibility.Status != "none" || i.FrameDirective() != "frame-ancestors 'none'" {
		t.Errorf("the default fills what only an installation knows: %+v", i)
	}
	got := i.Order(taxonomy.Default().Categories())
	if got[0].Code != "fraud.scam" || got[1].Code != "fraud.phishing" || len(got) != len(taxonomy.Default().Categories()) {
		t.Errorf("home order starts %s, %s (%d)", got[0].Code, got[1].Code, len(got))
	}
	// The others keep the taxonomy's order: child abuse first of them.
	if got[len(i.HomeFirst)].Code != "minors.abuse-material" {
		t.Errorf("after the first ones: %s", got[len(i.HomeFirst)].Code)
	}
}

func TestParse(t *testing.T) {
	tax := taxonomy.Default()
	good := `{"version":1,"publisher":{"name":"Ministère","email":"contact@example.gouv.fr"},"frame_ancestors":["https://www.example.gouv.fr","https://*.example.fr:8443","http://localhost:*"],"home_first":["fraud.phishing"]}`
	i, err := Parse([]byte(good), tax)
	if err != nil {
		t.Fatal(err)
	}
	if i.FrameDirective() != "frame-ancestors https://www.example.gouv.fr https://*.example.fr:8443 http://localhost:*" {
		t.Errorf("directive %q", i.FrameDirective())
	}
	cases := []struct{ doc, want string }{
		{`{"version":2}`, "version 2"},
		{`{"version":1,"publisher":{"nom":"x"}}`, "unknown field"},
		{`{"version":1}{}`, "data after"},
		{`{"version":1,"accessibility":{"status":"mostly"}}`, `status "mostly"`},
		{`{"version":1,"dpo":{"email":"DPO <dpo@example.fr>"}}`, "dpo.email"},
		{`{"version":1,"contact":{"web":"javascript:alert(1)"}}`, "contact.web"},
		{`{"version":1,"frame_ancestors":["*"]}`, "not an origin"},
		{`{"version":1,"frame_ancestors":["https://a.example.fr; script-src *"]}`, "not an origin"},
		{`{"version":1,"frame_ancestors":["http://evil.example.fr"]}`, "not an origin"},
		{`{"version":1,"frame_ancestors":["https://a.example.fr/path"]}`, "not an origin"},
		{`{"version":1,"home_first":["fraud.scam","fraud.scam"]}`, "twice"},
		{`{"version":1,"home_first":["fraud.nope"]}`, "not in the taxonomy"},
	}
	for _, tc := range cases {
		if _, err := Parse([]byte(tc.doc), tax); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.doc, err, tc.want)
		}
	}
	path := t.TempDir() + "/i.json"
	os.WriteFile(path, []byte(`{"version":1,"director":"Jeanne Martin"}`), 0o600)
	if i, err := Load(path, tax); err != nil || i.Director != "Jeanne Martin" {
		t.Errorf("load: %v %+v", err, i)
	}
}

// FuzzParse: no input panics, and an accepted file's frame-ancestors
// directive can add nothing else to the policy.
func FuzzParse(f *testing.F) {
	f.Add(defaultFile)
	f.Add([]byte(`{"version":1,"frame_ancestors":["https://a.example.fr:443"]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		i, err := Parse(b, nil)
		if err != nil {
			return
		}
		if d := i.FrameDirective(); strings.ContainsAny(d, ";,\"\n\r\t") {
			t.Fatalf("directive %q could break out of the policy", d)
		}
	})
}

// A file names only what it changes; the rest is the default's.
func TestParseOverDefault(t *testing.T) {
	i, err := Parse([]byte(`{"version":1,"director":"Jeanne Martin"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if i.Director != "Jeanne Martin" || len(i.HomeFirst) == 0 || i.Purposes.FR == "" || i.Authority.Name == "" {
		t.Errorf("a partial file loses the defaults: %+v", i)
	}
}

// With a taxonomy of its own, the default's home order keeps only the
// categories that taxonomy has, with or without a file.
func TestAnotherTaxonomy(t *testing.T) {
	tax, _ := taxonomy.Parse([]byte(`{"version":1,"categories":[{"code":"fraud.phishing","label":{"fr":"H","en":"P"}}]}`))
	i, err := Load("", tax)
	if err != nil || len(i.HomeFirst) != 1 || i.HomeFirst[0] != "fraud.phishing" {
		t.Errorf("default: %v %v", err, i)
	}
	if i, err := Parse([]byte(`{"version":1,"director":"J"}`), tax); err != nil || len(i.HomeFirst) != 1 {
		t.Errorf("file over the default: %v %v", err, i)
	}
}
