package main

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/sqlite"
)

// mailSink is an SMTP server in the test's process that keeps each
// message's DATA.
type mailSink struct {
	mu       sync.Mutex
	messages []string
}

func (m *mailSink) start(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go m.session(conn)
		}
	}()
	return ln.Addr().String()
}

func (m *mailSink) session(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	say := func(s string) { conn.Write([]byte(s + "\r\n")) }
	say("220 sink ESMTP")
	var data strings.Builder
	inData := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if inData {
			if line == ".\r\n" {
				inData = false
				m.mu.Lock()
				m.messages = append(m.messages, data.String())
				m.mu.Unlock()
				data.Reset()
				say("250 queued")
			} else {
				data.WriteString(strings.TrimPrefix(line, "."))
			}
			continue
		}
		switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
		case cmd == "DATA":
			inData = true
			say("354 go on")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func (m *mailSink) wait(t *testing.T, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		m.mu.Lock()
		if len(m.messages) > 0 {
			msg := m.messages[0]
			m.mu.Unlock()
			return msg
		}
		m.mu.Unlock()
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("no e-mail reached the SMTP server")
	return ""
}

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
	sink := &mailSink{}
	smtpAddr := sink.start(t)
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
	mail := sink.wait(t, 20*time.Second)
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
