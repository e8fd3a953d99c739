package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/blocking"
	"github.com/vigie-platform/vigie/delivery/smtptest"
	"github.com/vigie-platform/vigie/removal"
	"github.com/vigie-platform/vigie/sqlite"
)

// `vigie serve` runs the notices' workers: a notice to an address is
// mailed as X-ARF by the running server, and a minors notice past its
// deadline escalates into a pending blocking request without any fetch.
func TestServeMailsAndEscalatesNotices(t *testing.T) {
	sink := smtptest.Start(t)
	data := t.TempDir()
	startServer(t, []string{"--data", data}, "--smtp-addr", sink.Addr, "--smtp-from", "vigie@vigie.test",
		"--public-url", "https://vigie.test", "--notice-check-interval", "200ms")
	ctx := context.Background()
	db, err := sqlite.Open(ctx, data, folderKeys(t, data)...)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := &removal.Service{Store: db}
	u := "https://boutique.example/p"
	mailed, err := svc.SendNotice(ctx, removal.Draft{CaseID: "c1", CaseURLs: []string{u}, URL: u, Host: "abuse@hebergeur.example", Kind: "notice", Actor: "ana", Category: "fraud.scam"})
	if err != nil {
		t.Fatal(err)
	}
	// A minors notice whose deadline has passed (sent with a clock a day back).
	back := &removal.Service{Store: db, Now: func() time.Time { return time.Now().Add(-25 * time.Hour) }}
	m := "https://img.kids.example/1"
	minors, err := back.SendNotice(ctx, removal.Draft{CaseID: "c2", CaseURLs: []string{m}, URL: m, Host: "Hébergeur", Kind: "administrative", Actor: "ana",
		Category: "minors.abuse-material", NeverFetch: true})
	if err != nil {
		t.Fatal(err)
	}
	mail := sink.Wait(t, 20*time.Second)
	if !strings.Contains(mail, "X-XARF: PLAIN") || !strings.Contains(mail, mailed.ID) || !strings.Contains(mail, `name="report.txt"`) {
		t.Fatalf("the notice's e-mail:\n%s", mail)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		n, err := db.Notice(ctx, minors.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := db.Notice(ctx, mailed.ID)
		if n.Status == removal.StatusEscalated && !got.MailedAt.IsZero() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not escalated or not marked mailed: %+v / %+v", n, got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	reqs, err := db.BlockingRequests(ctx, blocking.Filter{State: blocking.StatePending})
	if err != nil || len(reqs) != 1 || reqs[0].NoticeID != minors.ID || reqs[0].Domain != "img.kids.example" {
		t.Fatalf("blocking requests: %+v %v", reqs, err)
	}
}

// The scheduler's benchmark (BENCHMARKS.md: 100,000 notices) on a few
// hundred, so that CI keeps it working.
func TestBenchNoticesScaledDown(t *testing.T) {
	if testing.Short() {
		t.Skip("benchmarks")
	}
	out := vigie(t, "bench", "notices", "--notices", "500", "--due", "100", "--idle-passes", "20", "--data", t.TempDir())
	for _, want := range []string{"store=sqlite open notices=500", "idle pass (nothing due), 20 passes: p50=", "claim of a due batch of 50: p50=", "(1 batches, 50 notices)", "scheduler pass over a due batch", "51 notices"} {
		if !strings.Contains(out, want) {
			t.Errorf("bench notices lacks %q:\n%s", want, out)
		}
	}
}
