package feeds

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/vigie-platform/vigie/apitoken"
)

// tool finds a program in PATH or in the sbin folders Debian puts
// daemons in; without it the test is skipped, but never under CI, whose
// script installs them (.ci/run).
func tool(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/local/sbin"} {
		if p := filepath.Join(dir, name); isExec(p) {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing under CI: install unbound and bind9-utils (.ci/run does)", name)
	}
	t.Skipf("%s is not installed (apt-get install unbound bind9-utils)", name)
	return ""
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode()&0o111 != 0
}

func freePort(t *testing.T) int {
	t.Helper()
	// A UDP and a TCP socket on the same port, so that unbound can take both.
	for range 20 {
		l, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.LocalAddr().(*net.UDPAddr).Port
		tl, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		l.Close()
		if err == nil {
			tl.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

// TestResolverLoadsRPZ: the zone served at /feeds/blocklist.rpz, as an ISP
// downloads it, is accepted by BIND's named-checkzone, and Unbound loaded
// with it answers NXDOMAIN for a listed name and its sub-domains, and the
// real answer for a name not listed, a pending or refused request's name,
// and a shared host whose one URL was approved.
func TestResolverLoadsRPZ(t *testing.T) {
	unbound, checkzone := tool(t, "unbound"), tool(t, "named-checkzone")
	e := newEnv(t)
	e.fixtures()
	secret := e.token("fai-resolveur", apitoken.ScopeFeedsRead)
	w := e.get("/feeds/blocklist.rpz", "Authorization", "Bearer "+secret)
	if w.Code != 200 {
		t.Fatalf("download: %d %s", w.Code, w.Body)
	}
	dir := t.TempDir()
	zonefile := filepath.Join(dir, "vigie.rpz")
	if err := os.WriteFile(zonefile, w.Body.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(checkzone, "-k", "fail", "-i", "full", "rpz.test", zonefile).CombinedOutput(); err != nil || !strings.Contains(string(out), "OK") {
		t.Fatalf("named-checkzone refused the zone: %v\n%s\n%s", err, out, w.Body)
	}

	// The "real" answers: an authoritative server standing for the
	// Internet (the test must not depend on the network), which Unbound
	// forwards every query to. Its answers are what a resolver sees
	// without the policy zone.
	real := map[string]string{
		"arnaque.example.":          "192.0.2.10",
		"www.arnaque.example.":      "192.0.2.11",
		"faux-conseiller.example.":  "192.0.2.12",
		"innocent.example.":         "192.0.2.20",
		"en-attente.example.":       "192.0.2.21",
		"refusee.example.":          "192.0.2.22",
		"old-gone.example.":         "192.0.2.23",
		"www.facebook.com.":         "192.0.2.24",
		"recent-gone.example.":      "192.0.2.25",
		"deep.sub.arnaque.example.": "192.0.2.13",
		"arnaque.example.innocent.": "192.0.2.26",
		"not-arnaque.example.":      "192.0.2.27",
	}
	upstream := &dns.Server{Addr: fmt.Sprintf("127.0.0.1:%d", freePort(t)), Net: "udp", Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Authoritative = true
		name := strings.ToLower(q.Question[0].Name)
		if a, ok := real[name]; ok && q.Question[0].Qtype == dns.TypeA {
			rr, _ := dns.NewRR(name + " 60 IN A " + a)
			m.Answer = append(m.Answer, rr)
		} else if !ok {
			m.Rcode = dns.RcodeNameError
		}
		w.WriteMsg(m)
	})}
	started := make(chan struct{})
	upstream.NotifyStartedFunc = func() { close(started) }
	go upstream.ListenAndServe()
	<-started
	t.Cleanup(func() { upstream.Shutdown() })
	port := freePort(t)
	var conf strings.Builder
	fmt.Fprintf(&conf, `server:
	interface: 127.0.0.1
	port: %d
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "%s"
	pidfile: ""
	use-syslog: no
	logfile: ""
	verbosity: 1
	do-ip6: no
	module-config: "respip iterator"
	do-not-query-localhost: no
	qname-minimisation: no
forward-zone:
	name: "."
	forward-addr: %s
`, port, dir, strings.Replace(upstream.Addr, ":", "@", 1))
	fmt.Fprintf(&conf, "rpz:\n\tname: \"rpz.test.\"\n\tzonefile: \"%s\"\n\trpz-log: yes\n", zonefile)
	confFile := filepath.Join(dir, "unbound.conf")
	if err := os.WriteFile(confFile, []byte(conf.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if checkconf, err := exec.LookPath("unbound-checkconf"); err == nil || isExec("/usr/sbin/unbound-checkconf") {
		if err != nil {
			checkconf = "/usr/sbin/unbound-checkconf"
		}
		if out, err := exec.Command(checkconf, confFile).CombinedOutput(); err != nil {
			t.Fatalf("unbound-checkconf: %v\n%s\n%s", err, out, conf.String())
		}
	}
	cmd := exec.Command(unbound, "-d", "-c", confFile)
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	client := &dns.Client{Timeout: time.Second}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	query := func(name string) (*dns.Msg, error) {
		m := new(dns.Msg)
		m.SetQuestion(name, dns.TypeA)
		r, _, err := client.Exchange(m, addr)
		return r, err
	}
	// Wait for it to listen.
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := query("innocent.example."); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("unbound did not answer:\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, c := range []struct {
		name    string
		blocked bool
	}{
		{"arnaque.example.", true},
		{"www.arnaque.example.", true},
		{"deep.sub.arnaque.example.", true},
		{"faux-conseiller.example.", true},
		{"recent-gone.example.", true}, // gone, but within the grace
		{"innocent.example.", false},
		{"not-arnaque.example.", false},      // a name that ends like a listed one
		{"arnaque.example.innocent.", false}, // one that contains it
		{"en-attente.example.", false},       // pending
		{"refusee.example.", false},          // refused
		{"old-gone.example.", false},         // gone longer than the grace
		{"www.facebook.com.", false},         // a shared host: its URL is listed, not the name
	} {
		r, err := query(c.name)
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.name, err, logs.String())
		}
		if c.blocked {
			if r.Rcode != dns.RcodeNameError || len(r.Answer) != 0 {
				t.Errorf("%s: %s %v, want NXDOMAIN", c.name, dns.RcodeToString[r.Rcode], r.Answer)
			}
			continue
		}
		if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != real[c.name] {
			t.Errorf("%s: %s %v, want the real answer %s", c.name, dns.RcodeToString[r.Rcode], r.Answer, real[c.name])
		}
	}
	if t.Failed() {
		t.Logf("zone:\n%s\nunbound:\n%s", w.Body, logs.String())
	}
}
