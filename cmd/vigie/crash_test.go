package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/vigie-platform/vigie/sqlite"
	"github.com/vigie-platform/vigie/web/workspace"
)

// buildBinary compiles vigie once per test binary run.
var buildOnce = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "vigie-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "vigie")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// process is `vigie serve` running as a separate OS process.
type process struct {
	cmd  *exec.Cmd
	base string
}

func startProcess(t *testing.T, bin string, storeArgs []string, extra ...string) *process {
	t.Helper()
	args := append([]string{"serve", "--addr", "127.0.0.1:0"}, storeArgs...)
	cmd := exec.Command(bin, append(args, extra...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var v struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &v) == nil && v.Msg == "listening" {
				addr <- v.Addr
			}
		}
	}()
	select {
	case a := <-addr:
		return &process{cmd: cmd, base: "http://" + a}
	case <-time.After(30 * time.Second):
		t.Fatal("server process did not start")
		return nil
	}
}

type acked struct{ receipt, secret string }

// TestCrashLosesNothingAcknowledged kills the server with SIGKILL while 16
// clients submit, restarts it, and checks every acknowledged receipt.
func TestCrashLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a server process")
	}
	bin, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	forEachStore(t, func(t *testing.T, storeArgs []string) {
		tokOut, err := exec.Command(bin, append([]string{"token", "create", "--name", "crash", "--rate", "0"}, storeArgs...)...).Output()
		if err != nil {
			t.Fatal(err)
		}
		tok := strings.TrimSpace(string(tokOut))
		// An analyst whose page views append to the audit trail during the load.
		addUser := exec.Command(bin, append([]string{"user", "add", "--email", "crash@vigie.test", "--role", "analyst", "--password-stdin"}, storeArgs...)...)
		addUser.Stdin = strings.NewReader("correct horse battery staple\n")
		secretOut, err := addUser.Output()
		if err != nil {
			t.Fatal(err)
		}
		p := startProcess(t, bin, storeArgs)
		code, _ := totp.GenerateCode(strings.TrimSpace(string(secretOut)), time.Now())
		login, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).PostForm(p.base+"/w/login",
			url.Values{"email": {"crash@vigie.test"}, "password": {"correct horse battery staple"}, "code": {code}})
		if err != nil {
			t.Fatal(err)
		}
		login.Body.Close()
		var session *http.Cookie
		for _, c := range login.Cookies() {
			if c.Name == workspace.SessionCookie {
				session = c
			}
		}
		if session == nil {
			t.Fatalf("login: %d", login.StatusCode)
		}

		var mu sync.Mutex
		var acks []acked
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		client := &http.Client{Timeout: 10 * time.Second}
		var views atomic.Int64
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, "GET", p.base+"/w/queue", nil)
				req.AddCookie(session)
				res, err := client.Do(req)
				if err != nil {
					return
				}
				res.Body.Close()
				if res.StatusCode == 200 {
					views.Add(1)
				}
			}
		}()
		for w := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ctx.Err() == nil; i++ {
					body := fmt.Sprintf(`{"category":"fraud.scam","description":"crash %d-%d","urls":["https://x%d.example.fr"]}`, w, i, i)
					req, _ := http.NewRequestWithContext(ctx, "POST", p.base+"/api/v1/reports", strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+tok)
					req.Header.Set("Content-Type", "application/json")
					res, err := client.Do(req)
					if err != nil {
						return // the server is gone
					}
					var ack struct {
						Receipt        string
						FollowUpSecret string `json:"follow_up_secret"`
					}
					dec := json.NewDecoder(res.Body)
					derr := dec.Decode(&ack)
					res.Body.Close()
					if res.StatusCode == 201 && derr == nil {
						mu.Lock()
						acks = append(acks, acked{ack.Receipt, ack.FollowUpSecret})
						mu.Unlock()
					}
				}
			}()
		}
		// Let load build up, then pull the plug.
		deadline := time.Now().Add(20 * time.Second)
		for {
			mu.Lock()
			n := len(acks)
			mu.Unlock()
			if (n >= 300 && views.Load() >= 5) || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		p.cmd.Wait()
		cancel()
		wg.Wait()
		if len(acks) < 50 || views.Load() < 5 {
			t.Fatalf("only %d reports acknowledged and %d audited views before the kill", len(acks), views.Load())
		}
		// The audit trail, written to while the process died, still verifies.
		if out, err := exec.Command(bin, append([]string{"audit", "verify"}, storeArgs...)...).CombinedOutput(); err != nil || !strings.Contains(string(out), "intact") {
			t.Fatalf("audit after kill -9: %v %s", err, out)
		}

		if storeArgs[0] == "--data" {
			db, err := sqlite.Open(context.Background(), storeArgs[1], folderKeys(t, storeArgs[1])...)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.IntegrityCheck(context.Background()); err != nil {
				t.Fatalf("after kill -9: %v", err)
			}
			db.Close()
		}

		p2 := startProcess(t, bin, storeArgs, "--follow-up-rate", "1000000")
		missing := 0
		for _, a := range acks {
			b, _ := json.Marshal(map[string]string{"receipt": a.receipt, "secret": a.secret})
			res, err := http.Post(p2.base+"/api/v1/follow-up", "application/json", bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode == http.StatusTooManyRequests {
				t.Fatal("follow-up rate limit hit; raise it for this test")
			}
			if res.StatusCode != 200 {
				missing++
			}
		}
		if missing > 0 {
			t.Fatalf("%d of %d acknowledged reports lost", missing, len(acks))
		}
		t.Logf("%d acknowledged reports all present after kill -9", len(acks))
	})
}
