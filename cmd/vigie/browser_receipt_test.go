package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/delivery/smtptest"
	"github.com/vigie-platform/vigie/sqlite"
)

// TestBrowserReceipt runs e2e/receipt.mjs (the receipt on the
// confirmation and follow-up pages, its PDF read back with pdftotext),
// then has the report taken by an analyst: the news e-mail reaches an SMTP
// server in this process, and e2e/news.mjs follows its unsubscribe link.
// Screenshots go to $VIGIE_SCREENSHOTS when it is set.
func TestBrowserReceipt(t *testing.T) {
	e2e, chromium := browserPrerequisites(t)
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("needs pdftotext (poppler-utils)")
	}
	sink := smtptest.Start(t)
	smtpAddr := sink.Addr
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := free.Addr().String()
	free.Close()
	data := t.TempDir()
	srv := startServer(t, []string{"--data", data}, "--addr", addr, "--pow-max-number", "5000",
		"--smtp-addr", smtpAddr, "--smtp-from", "vigie@vigie.test", "--public-url", "http://"+addr)
	shots := os.Getenv("VIGIE_SCREENSHOTS")
	out := nodeOutput(t, e2e, chromium, "receipt.mjs", srv.base, shots)
	receipt := regexp.MustCompile(`receipt: (VG-\S+)`).FindStringSubmatch(out)
	secret := regexp.MustCompile(`secret: (\S+)`).FindStringSubmatch(out)
	if receipt == nil || secret == nil {
		t.Fatalf("no receipt in the journey's output:\n%s", out)
	}

	// An analyst takes the report (through the store, as the workspace's
	// take-next would): the running server's worker writes to the reporter.
	db, err := sqlite.Open(context.Background(), data, folderKeys(t, data)...)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rep, err := db.ReportByReceipt(context.Background(), receipt[1])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Assign(context.Background(), []string{rep.ID}, "ana@vigie.test", "ana@vigie.test", time.Now()); err != nil {
		t.Fatal(err)
	}
	mail := sink.Wait(t, 20*time.Second)
	if strings.Contains(mail, secret[1]) || !strings.Contains(mail, receipt[1]) || !strings.Contains(mail, "analyse") {
		t.Fatalf("the e-mail:\n%s", mail)
	}
	link := regexp.MustCompile(`http://\S+/news/stop\?\S+`).FindString(mail)
	if link == "" {
		t.Fatalf("no unsubscribe link:\n%s", mail)
	}
	nodeOutput(t, e2e, chromium, "news.mjs", link, shots)
	if sub, err := db.Subscribed(context.Background(), receipt[1]); err != nil || sub {
		t.Errorf("still subscribed after the click: %v %v", sub, err)
	}
}

// nodeOutput is node, returning what the script printed.
func nodeOutput(t *testing.T, e2e, chromium, script string, args ...string) string {
	t.Helper()
	cmd := exec.Command("node", append([]string{script}, args...)...)
	cmd.Dir = e2e
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("browser journey failed: %v", err)
	}
	return string(out)
}
