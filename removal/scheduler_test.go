package removal_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/blocking"
	"github.com/vigie-platform/vigie/postgres"
	"github.com/vigie-platform/vigie/postgres/pgtest"
	"github.com/vigie-platform/vigie/removal"
	"github.com/vigie-platform/vigie/sqlite"
)

// store is what the scheduler's tests need of a store.
type store interface {
	removal.Store
	BlockingRequests(ctx context.Context, f blocking.Filter) ([]blocking.Request, error)
	AuditEntries(ctx context.Context, fn func(audit.Entry) error) error
	Close() error
}

// engines runs test on SQLite and on PostgreSQL (when VIGIE_TEST_POSTGRES
// is set): the claims differ (SKIP LOCKED on PostgreSQL).
func engines(t *testing.T, test func(t *testing.T, db store)) {
	for name, open := range map[string]func(t *testing.T) store{
		"sqlite": func(t *testing.T) store {
			db, err := sqlite.Open(context.Background(), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return db
		},
		"postgres": func(t *testing.T) store {
			db, err := postgres.Open(context.Background(), pgtest.URL(t))
			if err != nil {
				t.Fatal(err)
			}
			return db
		},
	} {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			defer db.Close()
			test(t, db)
		})
	}
}

// clock is the tests' time, moved by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// names is a resolver for the tests: each name leads to a local server
// until it is made to stop resolving. The guarded client refuses
// loopback addresses, so the tests dial through this instead; the guard
// itself is tested in safehttp and by TestNoticeLifecycle.
type names struct {
	mu    sync.Mutex
	addr  map[string]string
	lapse map[string]bool
}

func (n *names) client() *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true, DialContext: func(ctx context.Context, network, hostport string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(hostport)
		n.mu.Lock()
		addr, ok := n.addr[host]
		lapsed := n.lapse[host]
		n.mu.Unlock()
		if !ok || lapsed {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}}
}

// TestSchedulerRemovedEscalatedNotConfirmed is issue 15's re-check test:
// a host that removes its content after some time, one that never does,
// one whose name stops resolving, and a minors notice the server must not
// fetch. The removed one is removed at the check that saw its 404; the
// one never removed escalates at its deadline into a pending blocking
// request; the one that stops resolving is "not confirmed", never
// removed, and escalates too; the minors URL is never requested.
func TestSchedulerRemovedEscalatedNotConfirmed(t *testing.T) { engines(t, testSchedulerOutcomes) }

func testSchedulerOutcomes(t *testing.T, db store) {
	ctx := context.Background()
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	clk := &clock{t: start}

	var removesAt, neverGoneAt atomic.Int64 // the content is gone from then (unix seconds; 0: online)
	var minorsHits atomic.Int64
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.Host)
		now := clk.Now().Unix()
		switch host {
		case "removes.test":
			if at := removesAt.Load(); at > 0 && now >= at {
				w.WriteHeader(http.StatusNotFound)
				return
			}
		case "never.test":
			if at := neverGoneAt.Load(); at > 0 && now >= at {
				w.WriteHeader(http.StatusGone)
				return
			}
		case "minors.test":
			minorsHits.Add(1)
		}
		w.Write([]byte("contenu"))
	}))
	defer server.Close()
	_, port, _ := net.SplitHostPort(server.Listener.Addr().String())
	res := &names{addr: map[string]string{}, lapse: map[string]bool{}}
	for _, h := range []string{"removes.test", "never.test", "lapsing.test", "minors.test"} {
		res.addr[h] = server.Listener.Addr().String()
	}
	urlOf := func(host string) string { return "http://" + host + ":" + port + "/contenu" }
	removesAt.Store(start.Add(40 * time.Minute).Unix())

	svc := &removal.Service{Store: db, Now: clk.Now}
	send := func(host, category string, neverFetch bool) removal.Notice {
		u := urlOf(host)
		n, err := svc.SendNotice(ctx, removal.Draft{CaseID: "case-" + host, CaseURLs: []string{u}, URL: u, Host: "abuse@" + host,
			Kind: "removal-order", Actor: "ana", Category: category, NeverFetch: neverFetch})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	removes := send("removes.test", "terrorism.propaganda", false)
	never := send("never.test", "terrorism.propaganda", false)
	lapsing := send("lapsing.test", "terrorism.propaganda", false)
	minors := send("minors.test", "minors.abuse-material", true)
	minorsRecorded := send("minors.test", "minors.abuse-material", true)

	sch := &removal.Scheduler{Store: db, Client: res.client(), Now: clk.Now, Workers: 2}
	get := func(n removal.Notice) removal.Notice {
		t.Helper()
		got, err := db.Notice(ctx, n.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// step moves the clock and runs the passes that are due.
	step := func(d time.Duration) {
		t.Helper()
		clk.Add(d)
		if _, err := sch.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}

	// Nothing is due before the first quarter hour.
	if n, err := sch.RunOnce(ctx); err != nil || n != 0 {
		t.Fatalf("a pass at sending took %d notices: %v", n, err)
	}
	step(15 * time.Minute)
	if got := get(removes); got.Status != removal.StatusStillOnline || got.Checks != 1 || !got.NextCheckAt.Equal(start.Add(30*time.Minute)) {
		t.Fatalf("after the first check: %s, %d checks, next %v", got.Status, got.Checks, got.NextCheckAt)
	}
	// The analyst records the second minors notice removed before its deadline.
	if _, err := svc.Record(ctx, minorsRecorded.ID, true, "ana"); err != nil {
		t.Fatal(err)
	}
	res.mu.Lock()
	res.lapse["lapsing.test"] = true
	res.mu.Unlock()
	step(15 * time.Minute) // 30 min
	got := get(lapsing)
	if got.Status != removal.StatusStillOnline || !removal.NotConfirmed(got.CheckResult) || !got.RemovedAt.IsZero() {
		t.Fatalf("a host that stopped resolving: %s %q removed %v", got.Status, got.CheckResult, got.RemovedAt)
	}
	step(15 * time.Minute) // 45 min: removes.test answers 404 since 40 min
	got = get(removes)
	if got.Status != removal.StatusRemoved || !got.RemovedAt.Equal(start.Add(45*time.Minute)) || !got.NextCheckAt.IsZero() {
		t.Fatalf("removed host: %s at %v, next %v (%q)", got.Status, got.RemovedAt, got.NextCheckAt, got.CheckResult)
	}
	if d, ok := got.TimeToRemoval(); !ok || d != 45*time.Minute {
		t.Errorf("time to removal %v", d)
	}
	step(15 * time.Minute) // 60 min: the deadline
	for _, n := range []removal.Notice{never, lapsing, minors} {
		got := get(n)
		if got.Status != removal.StatusEscalated || !got.EscalatedAt.Equal(start.Add(time.Hour)) || !got.RemovedAt.IsZero() {
			t.Fatalf("%s at its deadline: %s escalated %v removed %v", n.URL, got.Status, got.EscalatedAt, got.RemovedAt)
		}
	}
	if got := get(lapsing); !removal.NotConfirmed(got.CheckResult) || got.Checks != 4 {
		t.Errorf("the lapsed host after escalation: %q, %d checks", got.CheckResult, got.Checks)
	}
	if got := get(minors); got.Checks != 0 || !got.NextCheckAt.IsZero() {
		t.Errorf("minors notice: %d checks, next %v", got.Checks, got.NextCheckAt)
	}
	if got := get(minorsRecorded); got.Status != removal.StatusRemoved || !got.EscalatedAt.IsZero() {
		t.Errorf("a minors notice recorded removed: %s escalated %v", got.Status, got.EscalatedAt)
	}
	if got := get(removes); got.Status != removal.StatusRemoved || !got.EscalatedAt.IsZero() {
		t.Errorf("a removed notice escalated: %+v", got)
	}
	if minorsHits.Load() != 0 {
		t.Errorf("the minors URL was fetched %d times", minorsHits.Load())
	}
	pending, err := db.BlockingRequests(ctx, blocking.Filter{State: blocking.StatePending})
	if err != nil || len(pending) != 3 {
		t.Fatalf("pending blocking requests: %d %v", len(pending), err)
	}
	for _, r := range pending {
		if !strings.Contains(r.Reason, r.URL) || !strings.Contains(r.Reason, "deadline") || !strings.Contains(r.Reason, "last check") || r.Domain == "" {
			t.Errorf("request reason %q (domain %q)", r.Reason, r.Domain)
		}
	}

	// Escalated, the never-removed host is checked hourly; its content
	// goes, the request says so; it comes back, the request says that too.
	neverGoneAt.Store(start.Add(150 * time.Minute).Unix())
	step(time.Hour) // 2 h: online
	step(time.Hour) // 3 h: gone
	requestOf := func(noticeID string) blocking.Request {
		t.Helper()
		list, _ := db.BlockingRequests(ctx, blocking.Filter{})
		for _, r := range list {
			if r.NoticeID == noticeID {
				return r
			}
		}
		t.Fatalf("no request for %s", noticeID)
		return blocking.Request{}
	}
	if r := requestOf(never.ID); !r.GoneSince.Equal(start.Add(3 * time.Hour)) {
		t.Fatalf("gone since %v", r.GoneSince)
	}
	if got := get(never); got.Status != removal.StatusEscalated || !got.RemovedAt.Equal(start.Add(3*time.Hour)) {
		t.Fatalf("escalated and gone: %s %v", got.Status, got.RemovedAt)
	}
	neverGoneAt.Store(0)
	step(time.Hour) // 4 h: back
	if r := requestOf(never.ID); !r.GoneSince.IsZero() {
		t.Fatalf("back online, gone since %v", r.GoneSince)
	}
	// The lapsed host never counts as gone, however long it stays down.
	for range 5 {
		step(2 * time.Hour)
	}
	if got, r := get(lapsing), requestOf(lapsing.ID); !got.RemovedAt.IsZero() || !r.GoneSince.IsZero() || !removal.NotConfirmed(got.CheckResult) {
		t.Fatalf("a host that does not resolve counted as gone: %+v / %+v", got, r)
	}

	// The scheduler's changes are in the trail under its name.
	actions := map[string]int{}
	if err := db.AuditEntries(ctx, func(e audit.Entry) error {
		if e.Actor == removal.Actor {
			actions[e.Action]++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if actions["notice.escalate"] != 3 || actions["notice.removed"] != 1 || actions["notice.gone"] != 1 || actions["notice.back"] != 1 {
		t.Errorf("scheduler's entries: %v", actions)
	}
}

// Two schedulers on one store never check a notice twice in one round.
func TestSchedulerClaimsOnce(t *testing.T) { engines(t, testSchedulerClaimsOnce) }

func testSchedulerClaimsOnce(t *testing.T, db store) {
	ctx := context.Background()
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	clk := &clock{t: start}
	var hits atomic.Int64
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer server.Close()
	res := &names{addr: map[string]string{"host.test": server.Listener.Addr().String()}}
	_, port, _ := net.SplitHostPort(server.Listener.Addr().String())
	svc := &removal.Service{Store: db, Now: clk.Now}
	for i := range 30 {
		u := "http://host.test:" + port + "/" + string(rune('a'+i))
		if _, err := svc.SendNotice(ctx, removal.Draft{CaseID: "c", CaseURLs: []string{u}, URL: u, Host: "Host SAS", Kind: "notice", Actor: "ana"}); err != nil {
			t.Fatal(err)
		}
	}
	clk.Add(16 * time.Minute)
	var wg sync.WaitGroup
	var took atomic.Int64
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sch := &removal.Scheduler{Store: db, Client: res.client(), Now: clk.Now, Batch: 7}
			for {
				n, err := sch.RunOnce(ctx)
				if err != nil {
					t.Error(err)
				}
				if n == 0 {
					return
				}
				took.Add(int64(n))
			}
		}()
	}
	wg.Wait()
	if took.Load() != 30 || hits.Load() != 30 {
		t.Fatalf("30 due notices: taken %d, fetched %d", took.Load(), hits.Load())
	}
}

func TestNextSchedule(t *testing.T) {
	sent := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	order := removal.Notice{SentAt: sent, DueAt: sent.Add(time.Hour), Kind: "removal-order", Status: removal.StatusSent}
	plain := removal.Notice{SentAt: sent, DueAt: sent.Add(72 * time.Hour), Kind: "notice", Status: removal.StatusStillOnline}
	escalated := plain
	escalated.Status, escalated.EscalatedAt = removal.StatusEscalated, sent.Add(72*time.Hour)
	gone := escalated
	gone.RemovedAt = sent.Add(80 * time.Hour)
	removed := plain
	removed.Status = removal.StatusRemoved
	for _, tc := range []struct {
		name  string
		n     removal.Notice
		at    time.Duration
		fetch bool
		want  time.Duration // after sending; -1: nothing left
	}{
		{"order within its hour", order, 15 * time.Minute, true, 30 * time.Minute},
		{"order, last quarter", order, 45 * time.Minute, true, time.Hour},
		{"plain, early", plain, 15 * time.Minute, true, 30 * time.Minute},
		{"plain at 4 h", plain, 4 * time.Hour, true, 5 * time.Hour},
		{"plain at 2 days: capped at 6 h", plain, 48 * time.Hour, true, 54 * time.Hour},
		{"plain, not past its deadline", plain, 70 * time.Hour, true, 72 * time.Hour},
		{"never fetched: the deadline", plain, 0, false, 72 * time.Hour},
		{"removed", removed, time.Hour, true, -1},
		{"escalated: a quarter of its age, at most a day", escalated, 100 * time.Hour, true, 124 * time.Hour},
		{"escalated, never fetched", escalated, 100 * time.Hour, false, -1},
		{"gone long enough", gone, 80*time.Hour + removal.GoneFor, true, -1},
	} {
		got := removal.Next(tc.n, sent.Add(tc.at), tc.fetch)
		if tc.want < 0 {
			if !got.IsZero() {
				t.Errorf("%s: next %v, want none", tc.name, got.Sub(sent))
			}
			continue
		}
		if !got.Equal(sent.Add(tc.want)) {
			t.Errorf("%s: next at %v, want %v", tc.name, got.Sub(sent), tc.want)
		}
	}
}
