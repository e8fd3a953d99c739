// Package nodetest finds the project's e2e/ folder and its npm modules for
// the tests that check our output with tools we did not write (ajv, the
// Standard Webhooks library, Redocly). Without node or the module a test
// is skipped on a developer's machine and fails under CI, where .ci/run
// installs them: a check that silently did not run would pass.
package nodetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Module returns the absolute path of e2e/ once node and
// e2e/node_modules/<module> are there.
func Module(t testing.TB, module string) string {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	e2e := filepath.Join(filepath.Dir(self), "..", "..", "e2e")
	_, nodeErr := exec.LookPath("node")
	_, modErr := os.Stat(filepath.Join(e2e, "node_modules", module))
	if nodeErr != nil || modErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("prerequisites missing under CI: node=%v %s=%v", nodeErr, module, modErr)
		}
		t.Skipf("needs node and `npm ci` in e2e/ (%s)", module)
	}
	return e2e
}
