package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-platform/vigie/internal/nodetest"

	"github.com/vigie-platform/vigie/export"
	"github.com/vigie-platform/vigie/web"
)

type operation struct {
	OperationID string                 `json:"operationId"`
	Security    *[]map[string][]string `json:"security"`
	Responses   map[string]struct {
		Ref     string         `json:"$ref"`
		Content map[string]any `json:"content"`
		Headers map[string]any `json:"headers"`
	} `json:"responses"`
}

// TestOpenAPIDescribesEveryRoute: every API route is in the document with
// a unique operationId and the security it really has (none for public
// routes, a bearer token for scoped ones, which then document every
// answer withToken can give), and every error answer has a body.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]operation `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	kit := web.NewKit(nil, nil, nil, web.Proxies{}, nil)
	routes := Mount(http.NewServeMux(), kit, Deps{})
	documented := map[string]bool{}
	for _, r := range routes {
		method, path, ok := strings.Cut(r.Pattern, " ")
		if !ok || path == "/api/" {
			continue // the not-found answer of unknown routes
		}
		path = strings.ReplaceAll(path, "...}", "}")
		op, ok := doc.Paths[path][strings.ToLower(method)]
		if !ok {
			t.Errorf("%s is not in the OpenAPI document", r.Pattern)
			continue
		}
		documented[strings.ToLower(method)+" "+path] = true
		if op.Security == nil {
			t.Errorf("%s declares no security", r.Pattern)
			continue
		}
		if r.Need == web.Public {
			if len(*op.Security) != 0 {
				t.Errorf("%s is public but its security is %v, not []", r.Pattern, *op.Security)
			}
			continue
		}
		if len(*op.Security) != 1 || (*op.Security)[0]["bearer"] == nil {
			t.Errorf("%s needs %s but its security is %v", r.Pattern, r.Need, *op.Security)
		}
		for _, code := range []string{"401", "403", "429", "503"} {
			if _, ok := op.Responses[code]; !ok {
				t.Errorf("%s: the %s that withToken may answer is not documented", r.Pattern, code)
			}
		}
	}
	ids := map[string]string{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			where := method + " " + path
			if !documented[where] {
				t.Errorf("%s is documented but not served", where)
			}
			if op.OperationID == "" {
				t.Errorf("%s has no operationId", where)
			} else if other, dup := ids[op.OperationID]; dup {
				t.Errorf("operationId %s for %s and %s", op.OperationID, where, other)
			}
			ids[op.OperationID] = where
			for code, res := range op.Responses {
				if code[0] >= '4' && res.Ref == "" && res.Content["application/json"] == nil {
					t.Errorf("%s: the %s answer has no documented body", where, code)
				}
			}
		}
	}
	if doc.Paths["/api/v1/reports"]["post"].Responses["201"].Headers["Idempotent-Replayed"] == nil {
		t.Error("the Idempotent-Replayed header of a replayed report is not documented")
	}
}

// TestSTIXExtensionSchemaIsServed: the URL STIX exports name as their
// extension's schema answers the repository's file.
func TestSTIXExtensionSchemaIsServed(t *testing.T) {
	mux := http.NewServeMux()
	Mount(mux, web.NewKit(nil, nil, nil, web.Proxies{}, nil), Deps{})
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", export.ExtensionSchemaPath, nil))
	file, err := os.ReadFile("../../export/stix-extension-identifiers.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Code != 200 || rec.Body.String() != string(file) || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/schema+json") {
		t.Errorf("%d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
}

// TestOpenAPILint runs Redocly's linter with its recommended rules on the
// document (e2e/node_modules/@redocly/cli); an error fails the test.
func TestOpenAPILint(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node")
	}
	e2e := nodetest.Module(t, filepath.Join(".bin", "redocly"))
	bin := filepath.Join(e2e, "node_modules", ".bin", "redocly")
	doc, _ := filepath.Abs("openapi.json")
	cmd := exec.Command(bin, "lint", "--extends=recommended", "--format=stylish", doc)
	cmd.Dir = e2e
	// No telemetry or update check from a test.
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "DO_NOT_TRACK=1", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true")
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("redocly lint: %v", err)
	}
}
