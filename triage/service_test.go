package triage_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/problem"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/sqlite"
	"github.com/vigie-platform/vigie/taxonomy"
	"github.com/vigie-platform/vigie/triage"
)

func setup(t *testing.T) (*sqlite.DB, *triage.Service, []string) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	in := report.NewIntake(db, db, taxonomy.Default(), []byte("k"), nil)
	var ids []string
	for _, d := range []string{"un", "deux", "trois"} {
		ack, err := in.Submit(ctx, report.Submission{Category: "fraud.scam", Description: d, Anonymous: true, Channel: report.ChannelAPI, TokenName: "t"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ack.ID)
	}
	for _, u := range []account.User{{Email: "ana@vigie.test", Role: account.RoleAnalyst}, {Email: "aud@vigie.test", Role: account.RoleAuditor}} {
		u.CreatedAt = time.Now()
		if _, err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	return db, triage.NewService(db, db, db, nil), ids
}

func lastEntry(t *testing.T, db *sqlite.DB, action string) audit.Entry {
	t.Helper()
	entries, err := db.FindAudit(context.Background(), audit.Filter{Action: action, Limit: 1})
	if err != nil || len(entries) != 1 {
		t.Fatalf("no %s entry: %v", action, err)
	}
	return entries[0]
}

// The service records each decision with what only the change knew: the
// report taken, how many reports a decision changed.
func TestDecisionsAreAuditedWithTheirOutcome(t *testing.T) {
	db, svc, ids := setup(t)
	ctx := audit.WithSource(context.Background(), "198.51.100.4")
	it, err := svc.TakeNext(ctx, "ana@vigie.test")
	if err != nil {
		t.Fatal(err)
	}
	if e := lastEntry(t, db, "report.take"); e.ObjectID != it.ID || e.ObjectID == "" || e.Source != "198.51.100.4" {
		t.Fatalf("report.take entry %+v, want object %s", e, it.ID)
	}
	n, err := svc.Decide(ctx, []string{ids[1], ids[2]}, triage.Decision{State: triage.StateUnfounded, Reason: "rien d'illicite"}, "ana@vigie.test")
	if err != nil || n != 2 {
		t.Fatalf("decide: %d %v", n, err)
	}
	if e := lastEntry(t, db, "report.decide"); e.Detail != "unfounded (2 changed): rien d'illicite" || e.ObjectID != ids[1]+" "+ids[2] {
		t.Fatalf("report.decide entry %+v", e)
	}
	// Deciding again changes nothing, and says so.
	if n, err := svc.Decide(ctx, []string{ids[1]}, triage.Decision{State: triage.StateUnfounded, Reason: "encore"}, "ana@vigie.test"); err != nil || n != 0 {
		t.Fatalf("second decision: %d %v", n, err)
	}
	if e := lastEntry(t, db, "report.decide"); !strings.HasPrefix(e.Detail, "unfounded (0 changed)") {
		t.Fatalf("second report.decide entry %+v", e)
	}
	if _, err := svc.Assign(ctx, []string{ids[0]}, "ANA@vigie.test", "sup@vigie.test"); err != nil {
		t.Fatal(err)
	}
	if e := lastEntry(t, db, "report.assign"); e.Detail != "ana@vigie.test" || e.Actor != "sup@vigie.test" {
		t.Fatalf("report.assign entry %+v", e)
	}
	if _, err := audit.Verify(context.Background(), db); err != nil {
		t.Fatal(err)
	}
}

func TestRefusedDecisionsSayWhyAndWriteNothing(t *testing.T) {
	db, svc, ids := setup(t)
	ctx := context.Background()
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"no reason", func() error {
			_, err := svc.Decide(ctx, ids[:1], triage.Decision{State: triage.StateUnfounded}, "ana@vigie.test")
			return err
		}, "triage.reason_required"},
		{"unknown duplicate", func() error {
			_, err := svc.Decide(ctx, ids[:1], triage.Decision{State: triage.StateDuplicate, Reason: "x", DuplicateOf: "nope"}, "ana@vigie.test")
			return err
		}, "case.duplicate_target_unknown"},
		{"no report", func() error {
			_, err := svc.Decide(ctx, nil, triage.Decision{State: triage.StateUnfounded, Reason: "x"}, "ana@vigie.test")
			return err
		}, "case.choose_reports"},
		{"too many", func() error {
			_, err := svc.Assign(ctx, make([]string, triage.MaxBulk+1), "", "sup@vigie.test")
			return err
		}, "triage.too_many"},
		{"auditor as assignee", func() error {
			_, err := svc.Assign(ctx, ids[:1], "aud@vigie.test", "sup@vigie.test")
			return err
		}, "triage.bad_assignee"},
		{"bad e-mail", func() error {
			_, err := svc.Assign(ctx, ids[:1], "not an address", "sup@vigie.test")
			return err
		}, "account.invalid_email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.run(); !errors.Is(err, problem.New(tt.want)) {
				t.Fatalf("got %v, want problem %s", err, tt.want)
			}
		})
	}
	entries, err := db.FindAudit(ctx, audit.Filter{Action: "report.", Limit: 10})
	if err != nil || len(entries) != 0 {
		t.Fatalf("refused decisions audited: %+v %v", entries, err)
	}
}
