package export

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/vigie-platform/vigie/internal/nodetest"

	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/indicator"
)

// TestSTIXAgainstOASISSchemas validates bundles with the OASIS STIX 2.1
// JSON schemas and ajv (e2e/stix-validate.mjs), the extension with its
// published schema, and URL values with ajv-formats' RFC 3986 check.
func TestSTIXAgainstOASISSchemas(t *testing.T) {
	e2e := nodetest.Module(t, "ajv")
	dir := t.TempDir()
	full := sample()
	at := full.Case.CreatedAt
	full.Identifiers = append(full.Identifiers,
		correlate.Info{Type: indicator.URL, Value: `https://faux.example/a\b"c d/é?q=<x>#f#g`, Count: 1, FirstSeen: at, LastSeen: at},
		correlate.Info{Type: indicator.Handle, Value: "@faux_conseiller", Count: 2, FirstSeen: at, LastSeen: at},
		correlate.Info{Type: indicator.BTC, Value: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", Count: 1, FirstSeen: at, LastSeen: at})
	bare := sample()
	bare.Identifiers = nil
	bare.Case.Category, bare.Case.Summary, bare.PublicURL = "", "", ""
	args := []string{"stix-validate.mjs", "../export/testdata/oasis-stix2.1/schemas", "../export/stix-extension-identifiers.schema.json"}
	for name, c := range map[string]Case{"full": full, "bare": bare} {
		b, err := STIX(c)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name+".json")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	cmd := exec.Command("node", args...)
	cmd.Dir = e2e
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("the OASIS schemas refuse our bundles: %v", err)
	}
}
