package casefile_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/sqlite"
	"github.com/vigie-platform/vigie/taxonomy"
)

// env is a case service on a real, temporary SQLite store.
type env struct {
	db  *sqlite.DB
	svc *casefile.Service
}

func newEnv(t *testing.T) env {
	t.Helper()
	db, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return env{db: db, svc: casefile.NewService(db, taxonomy.Default(), nil)}
}

func (e env) report(t *testing.T, desc string) string {
	t.Helper()
	ack, err := report.NewIntake(e.db, e.db, taxonomy.Default(), []byte("k"), nil).Submit(context.Background(),
		report.Submission{Category: "fraud.scam", Description: desc, Anonymous: true, Channel: report.ChannelAPI, TokenName: "t"})
	if err != nil {
		t.Fatal(err)
	}
	return ack.ID
}

func (e env) actions(t *testing.T, caseID string) []string {
	t.Helper()
	entries, err := e.db.FindAudit(context.Background(), audit.Filter{ObjectType: "case", ObjectID: caseID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(entries) - 1; i >= 0; i-- {
		out = append(out, entries[i].Action)
	}
	return out
}

// Every change a service makes on a case is in the audit trail, with the
// address it came from, and the trail still verifies.
func TestChangesAreAuditedByTheService(t *testing.T) {
	e := newEnv(t)
	ctx := audit.WithSource(context.Background(), "192.0.2.10")
	a, b := e.report(t, "premier"), e.report(t, "second")
	c, err := e.svc.Create(ctx, "Faux site", []string{a}, "ana@vigie.test")
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		action string
		run    func() error
	}{
		{"case.add", func() error { return e.svc.AddReports(ctx, c.ID, []string{b}, "ana@vigie.test") }},
		{"case.note", func() error { return e.svc.Note(ctx, c.ID, "à suivre", "ana@vigie.test") }},
		{"case.qualify", func() error {
			cat, _ := taxonomy.Default().Lookup("fraud.scam")
			_, err := e.svc.Qualify(ctx, c.ID, "fraud.scam", cat.Legal[:1], "escroquerie", "normal", "ana@vigie.test")
			return err
		}},
		{"case.remove", func() error { return e.svc.RemoveReport(ctx, c.ID, b, "ana@vigie.test") }},
		{"case.close", func() error {
			_, err := e.svc.Close(ctx, c.ID, "no-offence", "rien", "ana@vigie.test")
			return err
		}},
		{"case.reopen", func() error {
			_, err := e.svc.Reopen(ctx, c.ID, "nouveau fait", "ana@vigie.test")
			return err
		}},
	}
	want := []string{"case.create"}
	for _, st := range steps {
		if err := st.run(); err != nil {
			t.Fatalf("%s: %v", st.action, err)
		}
		want = append(want, st.action)
	}
	if got := e.actions(t, c.ID); !slices.Equal(got, want) {
		t.Fatalf("audited %v, want %v", got, want)
	}
	entries, err := e.db.FindAudit(context.Background(), audit.Filter{Action: "case.create", Limit: 1})
	if err != nil || len(entries) != 1 || entries[0].Source != "192.0.2.10" || entries[0].Actor != "ana@vigie.test" || entries[0].Detail != a {
		t.Fatalf("case.create entry: %+v %v", entries, err)
	}
	if _, err := audit.Verify(context.Background(), e.db); err != nil {
		t.Fatal(err)
	}
	// A refused change writes nothing.
	if err := e.svc.Note(ctx, c.ID, "", "ana@vigie.test"); err == nil {
		t.Fatal("an empty note was accepted")
	}
	if got := e.actions(t, c.ID); len(got) != len(want) {
		t.Fatalf("a refused change was audited: %v", got)
	}
}

// What a destination may see of a case is decided by CaseFor: only a case
// referred to it, and of it only its own referral and its own events.
func TestCaseForScopesADestination(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c, err := e.svc.Create(ctx, "Rançongiciel", []string{e.report(t, "chiffré")}, "ana@vigie.test")
	if err != nil {
		t.Fatal(err)
	}
	cat, _ := taxonomy.Default().Lookup("fraud.scam")
	if _, err := e.svc.Qualify(ctx, c.ID, "fraud.scam", cat.Legal[:1], "escroquerie en bande", "high", "ana@vigie.test"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Note(ctx, c.ID, "note interne des analystes", "ana@vigie.test"); err != nil {
		t.Fatal(err)
	}
	choices := []casefile.ReferralChoice{{Destination: "ofac", Reason: "escroquerie"}, {Destination: "interpol", Reason: "auteur à l'étranger"}}
	if _, err := e.svc.Refer(ctx, c.ID, choices, []string{"ofac", "interpol"}, "", "ana@vigie.test"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ReportOutcome(ctx, c.ID, "ofac", "enquête ouverte, confidentiel", "ofac@police.test"); err != nil {
		t.Fatal(err)
	}

	staff, err := e.svc.CaseFor(ctx, c.ID, casefile.Reader{Actor: "ana@vigie.test"})
	if err != nil || len(staff.Case.Referrals) != 2 || staff.Mine != nil || staff.Case.CreatedBy == "" {
		t.Fatalf("staff view: %+v %v", staff.Case, err)
	}
	kinds := func(evs []casefile.Event) (out []string) {
		for _, ev := range evs {
			out = append(out, ev.Kind)
		}
		return out
	}
	if !slices.Contains(kinds(staff.History), "note") {
		t.Fatalf("staff do not see the notes: %v", kinds(staff.History))
	}

	ip, err := e.svc.CaseFor(ctx, c.ID, casefile.Reader{Actor: "bob@interpol.test", Destination: "interpol"})
	if err != nil {
		t.Fatal(err)
	}
	if ip.Mine == nil || ip.Mine.Destination != "interpol" || len(ip.Case.Referrals) != 1 || ip.Case.Referrals[0].Destination != "interpol" {
		t.Fatalf("interpol sees referrals %+v, mine %+v", ip.Case.Referrals, ip.Mine)
	}
	if ip.Case.CreatedBy != "" {
		t.Fatalf("interpol sees the author %q", ip.Case.CreatedBy)
	}
	for _, ev := range ip.History {
		t.Errorf("interpol sees a history line it did not write: %+v", ev)
	}
	ofac, err := e.svc.CaseFor(ctx, c.ID, casefile.Reader{Actor: "o@police.test", Destination: "ofac"})
	if err != nil || len(ofac.History) != 1 || ofac.History[0].Kind != "outcome" {
		t.Fatalf("ofac sees %v (%v), want its own outcome only", kinds(ofac.History), err)
	}

	if _, err := e.svc.CaseFor(ctx, c.ID, casefile.Reader{Actor: "x@gendarmerie.test", Destination: "gendarmerie"}); !errors.Is(err, casefile.ErrNotFound) {
		t.Fatalf("a destination the case was not referred to: %v, want ErrNotFound", err)
	}
	got := e.actions(t, c.ID)
	if n := len(got); n < 4 || got[n-1] != "access.denied" || got[n-2] != "case.view" || got[n-3] != "case.view" || got[n-4] != "case.view" {
		t.Fatalf("reads audited as %v, want three case.view then access.denied", got)
	}
	inbox, err := e.svc.Inbox(ctx, casefile.Reader{Actor: "bob@interpol.test", Destination: "interpol"}, 50)
	if err != nil || len(inbox) != 1 || inbox[0].ID != c.ID || inbox[0].CreatedBy != "" {
		t.Fatalf("inbox: %+v %v", inbox, err)
	}
	for _, r := range inbox[0].Referrals {
		if r.Destination != "interpol" {
			t.Errorf("interpol's inbox shows the referral to %s", r.Destination)
		}
	}
	if other, err := e.svc.Inbox(ctx, casefile.Reader{Actor: "x@gendarmerie.test", Destination: "gendarmerie"}, 50); err != nil || len(other) != 0 {
		t.Fatalf("gendarmerie's inbox: %+v %v", other, err)
	}
}
