package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/postgres/pgtest"
)

// lineWriter collects a command's log lines and tells when one appears.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines []string
	seen  chan string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		line, err := w.buf.ReadString('\n')
		if err != nil {
			w.buf.WriteString(line)
			break
		}
		w.lines = append(w.lines, line)
		if strings.Contains(line, `"msg":"listening"`) {
			var v struct{ Addr string }
			json.Unmarshal([]byte(line), &v)
			select {
			case w.seen <- v.Addr:
			default:
			}
		}
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.lines, "")
}

// instance is a running `vigie serve`, started through run().
type instance struct {
	t         *testing.T
	base      string
	storeArgs []string
	stop      func() error
	logs      *lineWriter
}

type storeKind struct {
	name string
	args func(t *testing.T) []string
}

// stores lists the stores the end-to-end tests run on.
var stores = []storeKind{
	{"sqlite", func(t *testing.T) []string { return []string{"--data", t.TempDir()} }},
	{"postgres", func(t *testing.T) []string { return pgStoreArgs(t, pgtest.URL(t)) }},
}

func forEachStore(t *testing.T, fn func(t *testing.T, storeArgs []string)) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) { fn(t, s.args(t)) })
	}
}

func startServer(t *testing.T, storeArgs []string, extra ...string) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &lineWriter{seen: make(chan string, 1)}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "debug", "--metrics-token", testMetricsToken}, storeArgs...)
	args = append(args, extra...)
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, strings.NewReader(""), io.Discard, logs, noEnv) }()
	var addr string
	select {
	case addr = <-logs.seen:
	case err := <-done:
		cancel()
		t.Fatalf("serve exited early: %v\n%s", err, logs)
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatalf("serve did not start\n%s", logs)
	}
	var once sync.Once
	var stopErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(30 * time.Second):
				t.Error("serve did not stop")
			}
		})
		return stopErr
	}
	t.Cleanup(func() { stop() })
	return &instance{t: t, base: "http://" + addr, storeArgs: storeArgs, stop: stop, logs: logs}
}

func noEnv(string) string { return "" }

// vigie runs a one-shot command and returns its standard output.
func vigie(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), args, strings.NewReader(""), &out, &errOut, noEnv); err != nil {
		t.Fatalf("vigie %v: %v\n%s", args, err, errOut.String())
	}
	return out.String()
}

func (in *instance) token(name string, extra ...string) string {
	in.t.Helper()
	args := append([]string{"token", "create", "--name", name}, in.storeArgs...)
	return strings.TrimSpace(vigie(in.t, append(args, extra...)...))
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("not JSON (status %d): %s", r.status, r.body)
	}
	return v
}

func (in *instance) do(method, path, contentType string, body io.Reader, headers map[string]string) response {
	in.t.Helper()
	req, err := http.NewRequest(method, in.base+path, body)
	if err != nil {
		in.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

// testMetricsToken is the /metrics token of the servers the tests start.
const testMetricsToken = "e2e-metrics-token"
