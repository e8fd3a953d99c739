package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestBrowserPortal runs e2e/portal.mjs: the public journey in Debian's
// headless Chromium, with axe-core checking WCAG 2.1 A/AA on every page.
// It needs node, /usr/bin/chromium and `npm ci` in e2e/ (.ci/run does all
// three); elsewhere it is skipped, but never under CI.
func TestBrowserPortal(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	e2e, _ := filepath.Abs("../../e2e")
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	_, nodeErr := exec.LookPath("node")
	_, modErr := os.Stat(filepath.Join(e2e, "node_modules", "playwright-core"))
	_, chromeErr := os.Stat(chromium)
	if nodeErr != nil || modErr != nil || chromeErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("browser test prerequisites missing under CI: node=%v modules=%v chromium=%v", nodeErr, modErr, chromeErr)
		}
		t.Skip("needs node, Chromium and `npm ci` in e2e/")
	}
	srv := startServer(t, []string{"--data", t.TempDir()}, "--pow-max-number", "5000")
	cmd := exec.Command("node", "portal.mjs", srv.base)
	cmd.Dir = e2e
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("browser journey failed: %v", err)
	}
}
