package removal_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/problem"
	"github.com/vigie-platform/vigie/removal"
	"github.com/vigie-platform/vigie/safehttp"
	"github.com/vigie-platform/vigie/sqlite"
)

func TestNoticeLifecycle(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var gone atomic.Bool
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if gone.Load() {
			w.WriteHeader(http.StatusGone)
			return
		}
		w.Write([]byte("propagande"))
	}))
	defer host.Close()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	svc := &removal.Service{Store: db, Now: func() time.Time { return now }}
	urls := []string{host.URL + "/video/1"}

	if _, err := svc.Send(ctx, "case-1", urls, "https://other.example/", "Hébergeur", "removal-order", "ana"); err == nil {
		t.Error("a URL outside the case was accepted")
	}
	if _, err := svc.Send(ctx, "case-1", urls, urls[0], "Hébergeur", "please", "ana"); err == nil {
		t.Error("an unknown kind was accepted")
	}
	n, err := svc.Send(ctx, "case-1", urls, urls[0], "Hébergeur SAS", "removal-order", "ana")
	if err != nil || !n.DueAt.Equal(now.Add(time.Hour)) || n.LegalBasis == "" {
		t.Fatalf("send: %+v %v", n, err)
	}
	admin, _ := svc.Send(ctx, "case-1", urls, urls[0], "Hébergeur SAS", "administrative", "ana")
	if !admin.DueAt.Equal(now.Add(24 * time.Hour)) {
		t.Errorf("administrative deadline %v", admin.DueAt.Sub(now))
	}

	loopback := safehttp.NewClient(safehttp.Options{AllowLoopback: true})
	now = now.Add(20 * time.Minute)
	if n, err = svc.Check(ctx, n.ID, false, loopback, "ana"); err != nil || n.Status != removal.StatusStillOnline || n.CheckResult != "200 OK" {
		t.Fatalf("check while online: %+v %v", n, err)
	}
	if _, err := svc.Check(ctx, n.ID, true, loopback, "ana"); err == nil {
		t.Error("a never-fetch category was fetched")
	}
	if _, err := svc.Check(ctx, n.ID, false, safehttp.NewClient(safehttp.Options{}), "ana"); !errors.Is(err, problem.New("notice.address_not_public")) {
		t.Errorf("the production client checked a loopback address: %v", err)
	}
	now = now.Add(25 * time.Minute)
	gone.Store(true)
	if n, err = svc.Check(ctx, n.ID, false, loopback, "ana"); err != nil || n.Status != removal.StatusRemoved {
		t.Fatalf("check once gone: %+v %v", n, err)
	}
	if d, ok := n.TimeToRemoval(); !ok || d != 45*time.Minute {
		t.Errorf("time to removal %v %v", d, ok)
	}
	if n.Overdue(now.Add(2 * time.Hour)) {
		t.Error("a removed notice is overdue")
	}
	if !admin.Overdue(now.Add(25 * time.Hour)) {
		t.Error("an unanswered notice past its deadline is not overdue")
	}
	if rec, err := svc.Record(ctx, admin.ID, true, "ana"); err != nil || rec.Status != removal.StatusRemoved {
		t.Fatalf("record: %+v %v", rec, err)
	}
	removed, err := db.RemovedNotices(ctx, now.Add(-time.Hour), now.Add(time.Hour))
	if err != nil || len(removed) != 2 {
		t.Fatalf("removed notices: %d %v", len(removed), err)
	}
	list, _ := db.CaseNotices(ctx, "case-1")
	if len(list) != 2 || list[0].CheckedAt.IsZero() {
		t.Errorf("case notices: %+v", list)
	}
	if _, err := svc.Record(ctx, "nope", true, "ana"); !errors.Is(err, removal.ErrNotFound) {
		t.Errorf("unknown notice: %v", err)
	}
}

// A host name that does not resolve proves nothing about the content: the
// check says so and the notice keeps its status (issue 13, finding 13).
func TestUnresolvedHostIsNotRemoved(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := &removal.Service{Store: db}
	urls := []string{"https://lapsed.example/page"}
	n, err := svc.Send(ctx, "case-1", urls, urls[0], "Hébergeur SAS", "notice", "ana")
	if err != nil {
		t.Fatal(err)
	}
	noDNS := &http.Client{Transport: &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) {
		return nil, &net.DNSError{Err: "no such host", Name: "lapsed.example", IsNotFound: true}
	}}}
	n, err = svc.Check(ctx, n.ID, false, noDNS, "ana")
	if err != nil {
		t.Fatal(err)
	}
	if n.Status != removal.StatusSent || !n.RemovedAt.IsZero() || !strings.HasPrefix(n.CheckResult, "not confirmed") {
		t.Fatalf("after an unresolved check: status %s, removed at %v, result %q", n.Status, n.RemovedAt, n.CheckResult)
	}
	if _, ok := n.TimeToRemoval(); ok {
		t.Error("an unresolved host counts in the time to removal")
	}
}
