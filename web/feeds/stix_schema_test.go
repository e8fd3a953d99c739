package feeds

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/vigie-platform/vigie/internal/nodetest"

	"github.com/vigie-platform/vigie/apitoken"
)

// TestTAXIIObjectsAgainstOASISSchemas: the objects a TAXII client gets
// (an expired entry with its valid_until, a shared host's URL, an
// address) validate against the OASIS STIX 2.1 schemas through ajv, as
// the exports' bundles do (e2e/stix-validate.mjs). Skipped without node
// and e2e's modules, but never under CI.
func TestTAXIIObjectsAgainstOASISSchemas(t *testing.T) {
	e2e := nodetest.Module(t, "ajv")
	e := newEnv(t)
	e.fixtures()
	e.request("odd", `https://faux.example/a\b"c d/é?q=<x>#f#g`, "approved")
	secret := e.token("cti", apitoken.ScopeFeedsRead)
	w := e.get("/taxii2/vigie/collections/"+e.colID()+"/objects/?limit=1000", "Authorization", "Bearer "+secret, "Accept", MediaTAXII)
	var env struct{ Objects []json.RawMessage }
	if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil || len(env.Objects) != 7 {
		t.Fatalf("objects: %d %v %s", len(env.Objects), err, w.Body)
	}
	bundle, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--6f1d3c0e-5a47-5b8e-9c1e-0b7a4f3d2e62", "objects": env.Objects})
	p := filepath.Join(t.TempDir(), "taxii.json")
	if err := os.WriteFile(p, bundle, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "stix-validate.mjs", "../export/testdata/oasis-stix2.1/schemas", "../export/stix-extension-identifiers.schema.json", p)
	cmd.Dir = e2e
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("the OASIS schemas refuse the TAXII objects: %v\n%s", err, bundle)
	}
}
