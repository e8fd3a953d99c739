package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// pgCluster is a PostgreSQL cluster of the test's own, which it may stop
// and start without disturbing other tests.
type pgCluster struct {
	t      *testing.T
	bin    string
	dir    string
	port   int
	asUser []string
}

func newPGCluster(t *testing.T) *pgCluster {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(dirs) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("PostgreSQL binaries missing under CI")
		}
		t.Skip("needs PostgreSQL's binaries")
	}
	sort.Strings(dirs)
	c := &pgCluster{t: t, bin: filepath.Dir(dirs[len(dirs)-1]), dir: t.TempDir()}
	if os.Getuid() == 0 {
		// initdb refuses root: the cluster belongs to the postgres user.
		c.asUser = []string{"runuser", "-u", "postgres", "--"}
		os.Chmod(filepath.Dir(c.dir), 0o755)
		if out, err := exec.Command("chown", "postgres", c.dir).CombinedOutput(); err != nil {
			t.Skipf("cannot hand the cluster to the postgres user: %v %s", err, out)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	c.run("initdb", "-D", c.dir+"/data", "-U", "postgres", "-A", "trust", "--no-sync")
	c.start()
	t.Cleanup(func() { c.pgctl("stop", "-m", "immediate") })
	return c
}

func (c *pgCluster) run(tool string, args ...string) {
	c.t.Helper()
	cmd := append(append([]string{}, c.asUser...), append([]string{filepath.Join(c.bin, tool)}, args...)...)
	if out, err := exec.Command(cmd[0], cmd[1:]...).CombinedOutput(); err != nil {
		c.t.Fatalf("%s: %v\n%s", tool, err, out)
	}
}

func (c *pgCluster) pgctl(args ...string) {
	cmd := append(append([]string{}, c.asUser...), append([]string{filepath.Join(c.bin, "pg_ctl"), "-D", c.dir + "/data", "-w"}, args...)...)
	exec.Command(cmd[0], cmd[1:]...).Run()
}

func (c *pgCluster) start() {
	c.t.Helper()
	c.run("pg_ctl", "-D", c.dir+"/data", "-l", c.dir+"/log", "-w", "-o",
		fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1", c.port, c.dir), "start")
}

func (c *pgCluster) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// TestPostgresStoppedUnderLoad stops the database while clients submit:
// the server answers 503 (never a crash, never a 500), recovers by itself
// when the database returns, and loses nothing it acknowledged.
func TestPostgresStoppedUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and stops a PostgreSQL cluster")
	}
	pg := newPGCluster(t)
	srv := startServer(t, pgStoreArgs(t, pg.url()), "--follow-up-rate", "1000000")
	tok := srv.token("load", "--rate", "0")

	var mu sync.Mutex
	var acks []acked
	statuses := map[int]int{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				body := fmt.Sprintf(`{"category":"fraud.scam","description":"panne %d-%d"}`, w, i)
				req, _ := http.NewRequest("POST", srv.base+"/api/v1/reports", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/json")
				res, err := client.Do(req)
				if err != nil {
					t.Errorf("server unreachable: %v", err)
					return
				}
				var ack struct {
					Receipt        string
					FollowUpSecret string `json:"follow_up_secret"`
				}
				json.NewDecoder(res.Body).Decode(&ack)
				res.Body.Close()
				mu.Lock()
				statuses[res.StatusCode]++
				if res.StatusCode == 201 {
					acks = append(acks, acked{ack.Receipt, ack.FollowUpSecret})
				}
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	time.Sleep(700 * time.Millisecond)
	pg.pgctl("stop", "-m", "fast")
	time.Sleep(1500 * time.Millisecond)
	if r := srv.do("GET", "/readyz", "", nil, nil); r.status != 503 {
		t.Errorf("readyz with the database down: %d", r.status)
	}
	pg.start()
	// Recovery by itself: new reports are taken again.
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		before := statuses[201]
		mu.Unlock()
		time.Sleep(300 * time.Millisecond)
		mu.Lock()
		after := statuses[201]
		mu.Unlock()
		if after > before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server did not recover after the database came back")
		}
	}
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	t.Logf("statuses: %v", statuses)
	if statuses[503] == 0 {
		t.Error("no 503 while the database was down")
	}
	for code := range statuses {
		if code != 201 && code != 503 {
			t.Errorf("answered %d (%d times): only 201 or 503 are acceptable", code, statuses[code])
		}
	}
	for _, a := range acks {
		b, _ := json.Marshal(map[string]string{"receipt": a.receipt, "secret": a.secret})
		if r := srv.do("POST", "/api/v1/follow-up", "application/json", bytes.NewReader(b), nil); r.status != 200 {
			t.Fatalf("acknowledged %s lost: %d %s", a.receipt, r.status, r.body)
		}
	}
	if r := srv.do("GET", "/readyz", "", nil, nil); r.status != 200 {
		t.Errorf("readyz after recovery: %d", r.status)
	}
}
