package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/problem"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/retention"
	"github.com/vigie-platform/vigie/search"
	"github.com/vigie-platform/vigie/stats"
	"github.com/vigie-platform/vigie/taxonomy"
	"github.com/vigie-platform/vigie/triage"
)

func testAccounts(t *testing.T, s Store) {
	u, err := s.CreateUser(ctx, account.User{Email: "ana@vigie.test", Role: account.RoleAnalyst, CreatedAt: time.Now()})
	if err != nil || u.ID == 0 {
		t.Fatalf("create user: %+v %v", u, err)
	}
	if _, err := s.CreateUser(ctx, account.User{Email: "ana@vigie.test", Role: account.RoleAdmin, CreatedAt: time.Now()}); !errors.Is(err, account.ErrExists) {
		t.Fatalf("duplicate e-mail: %v, want ErrExists", err)
	}
	if _, err := s.UserByEmail(ctx, "nobody@vigie.test"); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	if err := s.SetCredentials(ctx, u.ID, "hash", "SECRET"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := s.RecordLoginFailure(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.UserByEmail(ctx, "ana@vigie.test")
	if err != nil || got.FailedLogins != 3 || got.PasswordHash != "hash" || got.TOTPSecret != "SECRET" || !got.Enrolled() {
		t.Fatalf("after 3 failures: %+v %v", got, err)
	}
	if err := s.RecordLoginSuccess(ctx, u.ID, 100); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordLoginSuccess(ctx, u.ID, 100); !errors.Is(err, account.ErrCodeReused) {
		t.Fatalf("same TOTP step twice: %v, want ErrCodeReused", err)
	}
	got, err = s.UserByID(ctx, u.ID)
	if err != nil || got.FailedLogins != 0 || got.TOTPLastStep != 100 {
		t.Fatalf("after success: %+v %v", got, err)
	}

	// Enrolment tokens: valid until expiry, spent once.
	if err := s.CreateEnrolment(ctx, []byte("tok"), u.ID, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if id, err := s.EnrolmentUser(ctx, []byte("tok"), time.Now()); err != nil || id != u.ID {
		t.Fatalf("enrolment: %d %v", id, err)
	}
	if _, err := s.EnrolmentUser(ctx, []byte("tok"), time.Now().Add(2*time.Hour)); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("expired enrolment: %v", err)
	}
	if err := s.DeleteEnrolment(ctx, []byte("tok")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnrolmentUser(ctx, []byte("tok"), time.Now()); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("spent enrolment: %v", err)
	}

	// Sessions.
	now := time.Now().UTC().Truncate(time.Microsecond)
	if err := s.CreateSession(ctx, account.Session{TokenHash: []byte("s1"), UserID: u.ID, CreatedAt: now, LastSeen: now}); err != nil {
		t.Fatal(err)
	}
	if err := s.TouchSession(ctx, []byte("s1"), now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	sess, err := s.SessionByHash(ctx, []byte("s1"))
	if err != nil || sess.UserID != u.ID || !sess.LastSeen.Equal(now.Add(time.Minute)) || !sess.CreatedAt.Equal(now) {
		t.Fatalf("session: %+v %v", sess, err)
	}
	// A user's own sessions: listed with what recognises them, ended one
	// by one (never another user's), or all but the browser asking; a
	// password change ends all but that one, in the same transaction.
	other, err := s.CreateUser(ctx, account.User{Email: "other@vigie.test", Role: account.RoleAnalyst, CreatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range []string{"s2", "s3", "s4"} {
		at := now.Add(time.Duration(i+2) * time.Minute)
		if err := s.CreateSession(ctx, account.Session{TokenHash: []byte(h), UserID: u.ID, CreatedAt: at, LastSeen: at, UserAgent: "Firefox/140 " + h, Source: "192.0.2.7"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateSession(ctx, account.Session{TokenHash: []byte("theirs"), UserID: other.ID, CreatedAt: now, LastSeen: now}); err != nil {
		t.Fatal(err)
	}
	list, err := s.UserSessions(ctx, u.ID)
	if err != nil || len(list) != 4 || string(list[0].TokenHash) != "s4" || list[0].UserAgent != "Firefox/140 s4" || list[0].Source != "192.0.2.7" || string(list[3].TokenHash) != "s1" {
		t.Fatalf("user sessions, newest first: %+v %v", list, err)
	}
	if err := s.DeleteUserSession(ctx, u.ID, []byte("theirs")); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("ending another user's session: %v, want not found", err)
	}
	if err := s.DeleteUserSession(ctx, u.ID, []byte("s2")); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteOtherSessions(ctx, u.ID, []byte("s3")); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.UserSessions(ctx, u.ID); len(list) != 1 || string(list[0].TokenHash) != "s3" {
		t.Fatalf("after ending the others, %+v", list)
	}
	if _, err := s.SessionByHash(ctx, []byte("theirs")); err != nil {
		t.Fatalf("another user's session was ended: %v", err)
	}
	s.CreateSession(ctx, account.Session{TokenHash: []byte("s5"), UserID: u.ID, CreatedAt: now, LastSeen: now})
	if err := s.SetPassword(ctx, u.ID, "newhash", []byte("s5")); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.UserByID(ctx, u.ID); got.PasswordHash != "newhash" || got.TOTPSecret != "SECRET" {
		t.Fatalf("after SetPassword: %+v", got)
	}
	if list, _ := s.UserSessions(ctx, u.ID); len(list) != 1 || string(list[0].TokenHash) != "s5" {
		t.Fatalf("after a password change, sessions %+v, want only the one kept", list)
	}
	if err := s.SetPassword(ctx, 987654, "h", nil); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("password of an unknown user: %v", err)
	}
	if err := s.SetUserDisabled(ctx, u.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUserSessions(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionByHash(ctx, []byte("s1")); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("deleted session: %v", err)
	}
	users, err := s.ListUsers(ctx)
	if err != nil || len(users) != 2 || !users[0].Disabled {
		t.Fatalf("list: %+v %v", users, err)
	}
}

// submitAt stores a report with a given urgency and category.
func submitAt(t *testing.T, s Store, category, desc string, urgent bool) string {
	t.Helper()
	ack, err := newIntake(s).Submit(ctx, report.Submission{Category: category, Description: desc, Urgent: urgent,
		Anonymous: true, Channel: report.ChannelAPI, TokenName: "t"})
	if err != nil {
		t.Fatal(err)
	}
	return ack.ID
}

func ids(items []triage.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

func testQueue(t *testing.T, s Store) {
	a := submitAt(t, s, "fraud.scam", "premier, IBAN FR7630006000011234567890189", false)
	time.Sleep(2 * time.Millisecond)
	b := submitAt(t, s, "hate.racism", "deuxième", false)
	time.Sleep(2 * time.Millisecond)
	c := submitAt(t, s, "violence.threat", "troisième, urgent", true)
	time.Sleep(2 * time.Millisecond)
	d := submitAt(t, s, "fraud.phishing", "quatrième, même IBAN FR76 3000 6000 0112 3456 7890 189", false)
	linkAll(t, s, correlate.NewLinker(s, correlate.DefaultWarningList(), indicator.DefaultOptions, nil))

	page, err := s.Queue(ctx, triage.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{c, a, b, d}; !slices.Equal(ids(page), want) {
		t.Fatalf("queue order = %v, want urgent first then oldest %v", ids(page), want)
	}
	sum, err := s.QueueSummary(ctx, time.Now())
	first, _ := s.TriageOf(ctx, a)
	if err != nil || sum.Open != 4 || sum.Urgent != 1 || !sum.Oldest.Equal(first.CreatedAt) {
		t.Errorf("queue summary %+v %v, want 4 open, 1 urgent, oldest %s", sum, err, first.CreatedAt)
	}
	yes, no := true, false
	filters := []struct {
		name string
		f    triage.Filter
		want []string
	}{
		{"category", triage.Filter{Category: "hate.racism"}, []string{b}},
		{"category prefix", triage.Filter{Category: "fraud."}, []string{a, d}},
		{"channel", triage.Filter{Channel: "web"}, nil},
		{"has related", triage.Filter{HasRelated: &yes}, []string{a, d}},
		{"no related", triage.Filter{HasRelated: &no}, []string{c, b}},
		{"from", triage.Filter{From: page[3].CreatedAt}, []string{d}},
		{"to", triage.Filter{To: page[3].CreatedAt}, []string{c, a, b}},
		{"page 2", triage.Filter{After: page[1].Key(), Limit: 1}, []string{b}},
		{"unassigned", triage.Filter{Assignee: "-", Limit: 2}, []string{c, a}},
	}
	for _, f := range filters {
		got, err := s.Queue(ctx, f.f)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		if !slices.Equal(ids(got), f.want) {
			t.Errorf("%s: got %v, want %v", f.name, ids(got), f.want)
		}
	}

	// Take next: the urgent one first, then the oldest, never twice.
	now := time.Now()
	it, err := s.TakeNext(ctx, "ana@vigie.test", now)
	if err != nil || it.ID != c || it.State != triage.StateAssigned || it.Assignee != "ana@vigie.test" {
		t.Fatalf("take next: %+v %v", it, err)
	}
	mine, err := s.Queue(ctx, triage.Filter{Assignee: "ana@vigie.test"})
	if err != nil || !slices.Equal(ids(mine), []string{c}) {
		t.Fatalf("assigned to me: %v %v", ids(mine), err)
	}
	st, err := s.ReportByID(ctx, c)
	if err != nil || st.Status != report.StatusAnalysing {
		t.Fatalf("taken report status %q (%v), want analysing for the reporter", st.Status, err)
	}
	var wg sync.WaitGroup
	taken := make([]string, 6)
	for i := range taken {
		wg.Add(1)
		go func() {
			defer wg.Done()
			it, err := s.TakeNext(ctx, "x@vigie.test", now)
			if err == nil {
				taken[i] = it.ID
			} else if !errors.Is(err, triage.ErrNothingToTake) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got := slices.DeleteFunc(slices.Clone(taken), func(s string) bool { return s == "" })
	slices.Sort(got)
	want := []string{a, b, d}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("concurrent take next got %v, want each of %v once", taken, want)
	}

	// Bulk decisions.
	if err := (triage.Decision{State: triage.StateUnfounded}).Check(); err == nil {
		t.Fatal("a decision without a reason passed")
	}
	n, err := s.Decide(ctx, []string{a, b, "no-such-report"}, triage.Decision{State: triage.StateUnfounded, Reason: "rien d'illicite"}, "ana@vigie.test", now)
	if err != nil || n != 2 {
		t.Fatalf("decide: %d %v", n, err)
	}
	if n, err := s.Decide(ctx, []string{a}, triage.Decision{State: triage.StateNotCompetent, Reason: "again"}, "ana@vigie.test", now); err != nil || n != 0 {
		t.Fatalf("a decided report was decided again: %d %v", n, err)
	}
	closed, err := s.ReportByID(ctx, a)
	if err != nil || closed.Status != report.StatusClosed {
		t.Fatalf("decided report status %q %v", closed.Status, err)
	}
	unfounded, err := s.Queue(ctx, triage.Filter{States: []triage.State{triage.StateUnfounded}})
	if err != nil || len(unfounded) != 2 {
		t.Fatalf("unfounded filter: %v %v", ids(unfounded), err)
	}
	hist, err := s.ReportEvents(ctx, a)
	if err != nil || len(hist) != 2 || hist[0].Kind != "taken" || hist[1].Kind != "unfounded" || hist[1].Detail != "rien d'illicite" {
		t.Fatalf("history: %+v %v", hist, err)
	}
	if n, err := s.Assign(ctx, []string{d}, "", "sup@vigie.test", now); err != nil || n != 1 {
		t.Fatalf("unassign: %d %v", n, err)
	}
	back, err := s.TriageOf(ctx, d)
	if err != nil || back.State != triage.StateNew || back.Assignee != "" {
		t.Fatalf("unassigned report: %+v %v", back, err)
	}
}

func testCases(t *testing.T, s Store) {
	svc := casefile.NewService(s, taxonomy.Default(), nil)
	r1 := submitAt(t, s, "fraud.scam", "faux conseiller bancaire", false)
	r2 := submitAt(t, s, "fraud.scam", "même faux conseiller", false)
	r3 := submitAt(t, s, "fraud.scam", "autre escroquerie", false)
	r4 := submitAt(t, s, "fraud.scam", "encore une", false)

	c, err := svc.Create(ctx, "Faux conseiller", []string{r1, r2}, "ana")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Create(ctx, "Doublon", []string{r2, r3}, "ana"); !errors.Is(err, casefile.ErrReportInCase) {
		t.Fatalf("report in two cases: %v", err)
	}
	if it, err := s.TriageOf(ctx, r3); err != nil || it.CaseID != "" {
		t.Fatalf("a refused case still took a report: %+v %v", it, err)
	}
	if _, err := svc.Create(ctx, "Inconnu", []string{"no-such"}, "ana"); !errors.Is(err, casefile.ErrReportInCase) {
		t.Fatalf("unknown report: %v", err)
	}
	got, err := s.CaseByID(ctx, c.ID)
	if err != nil || got.Status != casefile.StatusOpen || !slices.Equal(got.ReportIDs, []string{r1, r2}) {
		t.Fatalf("case: %+v %v", got, err)
	}
	rep, err := s.ReportByID(ctx, r1)
	if err != nil || rep.Status != report.StatusAnalysing {
		t.Fatalf("report in an open case shows %q (%v)", rep.Status, err)
	}

	// Qualification is checked against the taxonomy.
	if _, err := svc.Qualify(ctx, c.ID, "fraud.scam", []string{"Code pénal art. 1"}, "x", "normal", "ana"); err == nil {
		t.Fatal("a legal reference outside the category passed")
	}
	cat := category(t, taxonomy.Default(), "fraud.scam")
	q, err := svc.Qualify(ctx, c.ID, "fraud.scam", cat.Legal[:1], "Escroquerie au faux conseiller", "high", "ana")
	if err != nil || q.Status != casefile.StatusQualified {
		t.Fatalf("qualify: %+v %v", q, err)
	}
	if err := svc.Note(ctx, c.ID, "Appel du 14 : la banque confirme le virement frauduleux", "ana"); err != nil {
		t.Fatal(err)
	}
	if err := svc.AddReports(ctx, c.ID, []string{r3}, "ana"); err != nil {
		t.Fatal(err)
	}
	if err := svc.RemoveReport(ctx, c.ID, r3, "ana"); err != nil {
		t.Fatal(err)
	}
	if it, err := s.TriageOf(ctx, r3); err != nil || it.CaseID != "" || it.State != triage.StateNew {
		t.Fatalf("removed report: %+v %v", it, err)
	}

	// Merge and split.
	other, err := svc.Create(ctx, "Même affaire", []string{r3, r4}, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Merge(ctx, c.ID, other.ID, "ana"); err != nil {
		t.Fatal(err)
	}
	merged, err := s.CaseByID(ctx, other.ID)
	if err != nil || merged.Status != casefile.StatusClosed || merged.MergedInto != c.ID || len(merged.ReportIDs) != 0 {
		t.Fatalf("merged case: %+v %v", merged, err)
	}
	split, err := svc.Split(ctx, c.ID, []string{r4}, "Affaire distincte", "ana")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.CaseByID(ctx, split.ID); err != nil || !slices.Equal(got.ReportIDs, []string{r4}) {
		t.Fatalf("split case reports %v %v", got.ReportIDs, err)
	}
	if got, err := s.CaseByID(ctx, c.ID); err != nil || len(got.ReportIDs) != 3 {
		t.Fatalf("after split, case keeps %v %v", got.ReportIDs, err)
	}
	for id, kind := range map[string]string{c.ID: "split", split.ID: "split-from"} {
		evs, err := s.CaseEvents(ctx, id)
		if err != nil || !slices.ContainsFunc(evs, func(e casefile.Event) bool { return e.Kind == kind }) {
			t.Errorf("case %s history lacks %q: %+v %v", id, kind, evs, err)
		}
	}
	// A split is one change: when one of the reports has left the case
	// meanwhile (r4 went with the first split), nothing moves and no case
	// is made.
	stale := casefile.Case{ID: "01a20000-0000-7000-8000-00000000spl1", Title: "Trop tard", Status: casefile.StatusOpen,
		Priority: "normal", CreatedBy: "ana", CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC(), ReportIDs: []string{r1, r4}, LegalRefs: []string{}}
	if err := s.SplitCase(ctx, c.ID, stale); !errors.Is(err, casefile.ErrNotFound) {
		t.Fatalf("split of a report no longer in the case: %v", err)
	}
	if _, err := s.CaseByID(ctx, stale.ID); err == nil {
		t.Fatal("a failed split left a case behind")
	}
	if got, err := s.CaseByID(ctx, c.ID); err != nil || !slices.Contains(got.ReportIDs, r1) {
		t.Fatalf("a failed split moved r1 out: %v %v", got.ReportIDs, err)
	}

	// Refer, then close: the reporter sees referred, then closed.
	refer := []casefile.ReferralChoice{{Destination: "ocrgdf", Rule: "scams", Reason: "scams go to the fraud group", AckWithin: time.Hour, Delivered: true}}
	if _, err := svc.Refer(ctx, c.ID, append(refer, casefile.ReferralChoice{Destination: "interpol"}), []string{"ocrgdf"}, "", "ana"); err == nil {
		t.Fatal("a departure from the proposal without a reason was accepted")
	}
	if _, err := svc.Refer(ctx, c.ID, refer, []string{"ocrgdf"}, "", "ana"); err != nil {
		t.Fatal(err)
	}
	rep, err = s.ReportByID(ctx, r1)
	if err != nil || rep.Status != report.StatusReferred {
		t.Fatalf("report of a referred case shows %q (%v)", rep.Status, err)
	}
	inbox, err := s.ListCases(ctx, casefile.Filter{Destination: "ocrgdf"})
	if err != nil || len(inbox) != 1 || inbox[0].ID != c.ID {
		t.Fatalf("destination's cases: %+v %v", inbox, err)
	}
	if none, err := s.ListCases(ctx, casefile.Filter{Destination: "oclctic"}); err != nil || len(none) != 0 {
		t.Fatalf("another destination sees %d cases (%v)", len(none), err)
	}
	// The destination acknowledges, then reports its outcome.
	if got, err = s.CaseByID(ctx, c.ID); err != nil || len(got.Referrals) != 1 {
		t.Fatalf("referred case: %+v %v", got, err)
	}
	ref := got.Referrals[0]
	if ref.Status != casefile.ReferralDelivered || ref.Rule != "scams" || ref.Overridden || !ref.DueAt.Equal(ref.At.Add(time.Hour)) || ref.Overdue(ref.At) || !ref.Overdue(ref.At.Add(2*time.Hour)) {
		t.Fatalf("referral: %+v", ref)
	}
	if err := svc.Acknowledge(ctx, c.ID, "ocrgdf", "dest@ocrgdf"); err != nil {
		t.Fatal(err)
	}
	if err := svc.Acknowledge(ctx, c.ID, "ocrgdf", "dest@ocrgdf"); err == nil {
		t.Fatal("acknowledged twice")
	}
	if err := svc.Acknowledge(ctx, c.ID, "interpol", "x"); !errors.Is(err, casefile.ErrNotFound) {
		t.Fatalf("acknowledging a referral that does not exist: %v", err)
	}
	if err := svc.ReportOutcome(ctx, c.ID, "ocrgdf", "Enquête ouverte, deux interpellations", "dest@ocrgdf"); err != nil {
		t.Fatal(err)
	}
	if got, err = s.CaseByID(ctx, c.ID); err != nil || len(got.Referrals) != 1 {
		t.Fatalf("case after the outcome: %+v %v", got, err)
	}
	if ref := got.Referrals[0]; ref.Status != casefile.ReferralOutcome || ref.Outcome != "Enquête ouverte, deux interpellations" || ref.AcknowledgedAt.IsZero() || ref.OutcomeAt.IsZero() || ref.Overdue(ref.At.Add(48*time.Hour)) {
		t.Fatalf("after the outcome: %+v", ref)
	}
	// Referring again with an override records the reason.
	if _, err := svc.Refer(ctx, c.ID, []casefile.ReferralChoice{{Destination: "interpol", AckWithin: time.Hour}}, []string{"ocrgdf"}, "auteur localisé en Belgique", "ana"); err != nil {
		t.Fatal(err)
	}
	if got, err = s.CaseByID(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if len(got.Referrals) != 2 || got.Referrals[1].Status != casefile.ReferralPending || !got.Referrals[1].Overridden || !strings.Contains(got.Referrals[1].Reason, "Belgique") {
		t.Fatalf("override: %+v", got.Referrals)
	}
	if _, err := svc.Close(ctx, c.ID, "action-taken", "interpellation", "ana"); err != nil {
		t.Fatal(err)
	}
	rep, err = s.ReportByID(ctx, r2)
	if err != nil || rep.Status != report.StatusClosed {
		t.Fatalf("report of a closed case shows %q (%v)", rep.Status, err)
	}
	if err := svc.Note(ctx, "no-such-case", "x", "ana"); !errors.Is(err, casefile.ErrNotFound) {
		t.Fatalf("note on unknown case: %v", err)
	}
	events, err := s.CaseEvents(ctx, c.ID)
	var kinds []string
	for _, e := range events {
		kinds = append(kinds, e.Kind)
	}
	want := []string{"created", "qualified", "note", "reports.added", "reports.removed", "merged", "split", "referred", "status", "acknowledged", "outcome", "referred", "closed"}
	if err != nil || !slices.Equal(kinds, want) {
		t.Fatalf("history %v %v, want %v", kinds, err, want)
	}

	// Search: cases by their notes, reports by their words once linked.
	linkAll(t, s, correlate.NewLinker(s, correlate.DefaultWarningList(), indicator.DefaultOptions, nil))
	found, err := s.SearchCases(ctx, search.Terms("banque virement"), 10)
	if err != nil || !slices.Equal(found, []string{c.ID}) {
		t.Fatalf("search cases: %v %v", found, err)
	}
	reports, err := s.SearchReports(ctx, search.Terms("Faux CONSEILLER"), 10)
	slices.Sort(reports)
	wantR := []string{r1, r2}
	slices.Sort(wantR)
	if err != nil || !slices.Equal(reports, wantR) {
		t.Fatalf("search reports: %v %v, want %v", reports, err, wantR)
	}
	if got, err := s.SearchReports(ctx, search.Terms(`"OR" NEAR(*`), 10); err != nil || len(got) != 0 {
		t.Fatalf("operators matched %v (%v)", got, err)
	}
	// Linking again (a rebuild) does not index twice.
	if err := s.ResetLinks(ctx); err != nil {
		t.Fatal(err)
	}
	linkAll(t, s, correlate.NewLinker(s, correlate.DefaultWarningList(), indicator.DefaultOptions, nil))
	if again, err := s.SearchReports(ctx, search.Terms("conseiller"), 10); err != nil || len(again) != 2 {
		t.Fatalf("after relinking: %v %v", again, err)
	}
}

func testAuditFind(t *testing.T, s Store) {
	for _, e := range []audit.Entry{
		{Actor: "ana", Action: "login", ObjectType: "user", ObjectID: "1"},
		{Actor: "ana", Action: "report.view", ObjectType: "report", ObjectID: "r1"},
		{Actor: "bob", Action: "login.failed", ObjectType: "user", ObjectID: "2"},
		{Actor: "ana", Action: "case.create", ObjectType: "case", ObjectID: "c1"},
	} {
		e.At, e.Source = time.Now(), "127.0.0.1"
		if _, err := s.AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	seqs := func(f audit.Filter) []int64 {
		got, err := s.FindAudit(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, e := range got {
			out = append(out, e.Seq)
		}
		return out
	}
	cases := []struct {
		f    audit.Filter
		want []int64
	}{
		{audit.Filter{}, []int64{4, 3, 2, 1}},
		{audit.Filter{Actor: "ana"}, []int64{4, 2, 1}},
		{audit.Filter{Action: "login."}, []int64{3}},
		{audit.Filter{Action: "login"}, []int64{1}},
		{audit.Filter{ObjectType: "report", ObjectID: "r1"}, []int64{2}},
		{audit.Filter{BeforeSeq: 3, Limit: 1}, []int64{2}},
		{audit.Filter{From: time.Now().Add(time.Hour)}, nil},
	}
	for _, c := range cases {
		if got := seqs(c.f); !slices.Equal(got, c.want) {
			t.Errorf("%+v: got %v, want %v", c.f, got, c.want)
		}
	}
}

func testStats(t *testing.T, s Store) {
	svc := casefile.NewService(s, taxonomy.Default(), nil)
	a := submitAt(t, s, "fraud.scam", "a", false)
	submitAt(t, s, "fraud.scam", "b", false)
	c := submitAt(t, s, "hate.racism", "c", false)
	today := time.Now().UTC()
	if err := s.AddVisits(ctx, today, 120); err != nil {
		t.Fatal(err)
	}
	cs, err := svc.Create(ctx, "Fiche", []string{a}, "ana")
	if err != nil {
		t.Fatal(err)
	}
	cat := category(t, taxonomy.Default(), "fraud.scam")
	if _, err := svc.Qualify(ctx, cs.ID, "fraud.scam", cat.Legal[:1], "s", "normal", "ana"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Refer(ctx, cs.ID, []casefile.ReferralChoice{{Destination: "interpol"}, {Destination: "ofac-fraud"}}, []string{"interpol", "ofac-fraud"}, "", "ana"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Create(ctx, "Autre", []string{c}, "ana"); err != nil {
		t.Fatal(err)
	}
	if err := s.RefreshStats(ctx, today.AddDate(0, 0, -2)); err != nil {
		t.Fatal(err)
	}
	// A second refresh recomputes, it does not add.
	if err := s.RefreshStats(ctx, today.AddDate(0, 0, -2)); err != nil {
		t.Fatal(err)
	}
	rows, err := s.StatsRows(ctx, today.AddDate(0, 0, -1), today.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, r := range rows {
		got[r.Metric+"/"+r.Key] += r.Value
	}
	want := map[string]int64{"reports/fraud.scam": 2, "reports/hate.racism": 1, "cases/fraud.scam": 1, "cases/unqualified": 1,
		"referrals/interpol": 1, "referrals/ofac-fraud": 1, "visits/": 120}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("rows %v, want %v", got, want)
	}
}

// testStatsParisDays: figures count Paris days, not UTC days; a report
// sent at half past midnight in Paris is counted on that Paris day, in
// winter (UTC+1) and in summer (UTC+2).
func testStatsParisDays(t *testing.T, s Store) {
	at := func(when string) {
		t.Helper()
		instant, err := time.Parse(time.RFC3339, when)
		if err != nil {
			t.Fatal(err)
		}
		in := report.NewIntake(s, s, taxonomy.Default(), []byte("conformance-key"), func() time.Time { return instant })
		if _, err := in.Submit(ctx, report.Submission{Category: "fraud.scam", Description: "à " + when, Anonymous: true, Channel: report.ChannelAPI, TokenName: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	at("2026-12-01T22:59:00Z") // 23:59 in Paris: 1 December
	at("2026-12-01T23:30:00Z") // 00:30 in Paris: 2 December
	at("2026-07-14T21:30:00Z") // 23:30 in Paris: 14 July
	at("2026-07-14T22:30:00Z") // 00:30 in Paris: 15 July
	at("2026-03-29T00:30:00Z") // 01:30 in Paris, the night clocks go forward: 29 March
	since := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	if err := s.RefreshStats(ctx, since); err != nil {
		t.Fatal(err)
	}
	rows, err := s.StatsRows(ctx, since, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, r := range rows {
		if r.Metric == stats.Reports {
			got[r.Day] += r.Value
		}
	}
	want := map[string]int64{"2026-12-01": 1, "2026-12-02": 1, "2026-07-14": 1, "2026-07-15": 1, "2026-03-29": 1}
	if !maps.Equal(got, want) {
		t.Errorf("reports per day %v, want the Paris days %v", got, want)
	}
	// Refreshing from a day counts that whole Paris day again, no more.
	if err := s.RefreshStats(ctx, time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	rows, _ = s.StatsRows(ctx, since, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	total := int64(0)
	for _, r := range rows {
		if r.Metric == stats.Reports {
			total += r.Value
		}
	}
	if total != 5 {
		t.Errorf("after a partial refresh, %d reports counted, want 5", total)
	}
}

// testCaseNumbers: every case gets the next number of its Paris year,
// splits included, and is found by it.
func testCaseNumbers(t *testing.T, s Store) {
	svc := casefile.NewService(s, taxonomy.Default(), nil)
	var made []casefile.Case
	for i := range 3 {
		a, b := submitAt(t, s, "fraud.scam", fmt.Sprint("n", i), false), submitAt(t, s, "fraud.scam", fmt.Sprint("m", i), false)
		c, err := svc.Create(ctx, fmt.Sprint("Fiche ", i), []string{a, b}, "ana")
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, c)
	}
	year := stats.DayOf(time.Now())[:4]
	for i, c := range made {
		stored, err := s.CaseByID(ctx, c.ID)
		want := fmt.Sprintf("F-%s-%06d", year, i+1)
		if err != nil || stored.Number != want {
			t.Fatalf("case %d numbered %q (%v), want %s", i, stored.Number, err, want)
		}
		if id, err := s.CaseIDByNumber(ctx, want); err != nil || id != c.ID {
			t.Errorf("CaseIDByNumber(%s) = %q %v", want, id, err)
		}
	}
	first, _ := s.CaseByID(ctx, made[0].ID)
	split, err := svc.Split(ctx, first.ID, first.ReportIDs[:1], "Scindée", "ana")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.CaseByID(ctx, split.ID); got.Number != fmt.Sprintf("F-%s-000004", year) {
		t.Errorf("split case numbered %q", got.Number)
	}
	// A search's found cases are read in one go, by their ids.
	picked, err := s.ListCases(ctx, casefile.Filter{IDs: []string{made[0].ID, made[2].ID, "01234567-89ab-7def-8123-456789abcdef"}, Limit: 3})
	if err != nil || len(picked) != 2 || !slices.ContainsFunc(picked, func(c casefile.Case) bool { return c.ID == made[2].ID }) {
		t.Errorf("ListCases by ids: %d cases, %v", len(picked), err)
	}
	// Report lines carry their case's number; unknown ids are left out.
	second, _ := s.CaseByID(ctx, made[1].ID)
	items, err := s.TriageItems(ctx, append(slices.Clone(second.ReportIDs), "01234567-89ab-7def-8123-456789abcdef"))
	if err != nil || len(items) != 2 {
		t.Fatalf("TriageItems: %+v %v", items, err)
	}
	for _, it := range items {
		if it.CaseNumber != second.Number || it.CaseID != second.ID || !strings.HasPrefix(it.Receipt, "VG-") {
			t.Errorf("item %+v, want case %s", it, second.Number)
		}
	}
	if _, err := s.CaseIDByNumber(ctx, "F-1999-000001"); !errors.Is(err, casefile.ErrNotFound) {
		t.Errorf("unknown number: %v", err)
	}
	// People type numbers loosely; the service resolves them, and ids.
	for _, ref := range []string{" f-" + year + "-2 ", made[1].ID} {
		if id, err := svc.Resolve(ctx, ref); err != nil || id != made[1].ID {
			t.Errorf("Resolve(%q) = %q %v", ref, id, err)
		}
	}
	if _, err := svc.Resolve(ctx, "F-"+year+"-999"); !errors.Is(err, problem.New("case.unknown_ref")) {
		t.Errorf("Resolve of an unknown number: %v", err)
	}
}

func testRetention(t *testing.T, s Store) {
	intake := newIntake(s)
	now := time.Now()
	old := func(desc string, files ...report.Upload) string {
		ack, err := report.NewIntake(s, s, taxonomy.Default(), []byte("conformance-key"), func() time.Time { return now.AddDate(-3, 0, 0) }).Submit(ctx,
			report.Submission{Category: "fraud.scam", Description: desc, Name: "Camille Durand", Email: "camille@example.fr", Channel: report.ChannelWeb, Attachments: files})
		if err != nil {
			t.Fatal(err)
		}
		return ack.ID
	}
	shared := report.Upload{Filename: "shared.txt", Content: []byte("the same file in two reports")}
	own := report.Upload{Filename: "own.txt", Content: []byte("a file of the old report only")}
	expired := old("vieux signalement, IBAN FR7630006000011234567890189", shared, own)
	inOpenCase := old("vieux mais dans une fiche ouverte")
	recent, err := intake.Submit(ctx, report.Submission{Category: "fraud.scam", Description: "récent, même IBAN FR7630006000011234567890189",
		Anonymous: true, Channel: report.ChannelWeb, Attachments: []report.Upload{shared}})
	if err != nil {
		t.Fatal(err)
	}
	linkAll(t, s, correlate.NewLinker(s, correlate.DefaultWarningList(), indicator.DefaultOptions, nil))
	if _, err := casefile.NewService(s, taxonomy.Default(), nil).Create(ctx, "Ouverte", []string{inOpenCase}, "ana"); err != nil {
		t.Fatal(err)
	}
	before := refreshedStats(t, s, now)

	dry, err := retention.Purge(ctx, s, taxonomy.Default(), now, true, "test")
	if err != nil || dry.Total() != 1 {
		t.Fatalf("dry run: %+v %v", dry, err)
	}
	if r, err := s.ReportByID(ctx, expired); err != nil || r.Description == "" {
		t.Fatalf("a dry run purged: %+v %v", r, err)
	}
	var told []int
	res, err := retention.PurgeProgress(ctx, s, taxonomy.Default(), now, false, "test", func(n int) { told = append(told, n) })
	if err != nil || res.Total() != 1 || res.Blobs != 1 {
		t.Fatalf("purge: %+v %v", res, err)
	}
	if len(told) != 1 || told[0] != 1 {
		t.Errorf("purge progress told %v, want [1]", told)
	}
	r, err := s.ReportByID(ctx, expired)
	if err != nil || r.Description != "" || len(r.URLs) != 0 || r.Reporter.Name != "" || r.Reporter.Email != "" || len(r.Attachments) != 0 || r.Category != "fraud.scam" {
		t.Fatalf("purged report: %+v %v", r, err)
	}
	if kept, err := s.ReportByID(ctx, inOpenCase); err != nil || kept.Description == "" {
		t.Errorf("a report in an open case was purged: %+v %v", kept, err)
	}
	sha := func(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }
	if _, err := s.GetBlob(ctx, sha(own.Content)); !errors.Is(err, report.ErrNotFound) {
		t.Errorf("the old report's own attachment is still stored: %v", err)
	}
	if _, err := s.GetBlob(ctx, sha(shared.Content)); err != nil {
		t.Errorf("an attachment another report still names was deleted: %v", err)
	}
	iban, err := indicator.NormaliseIBAN("FR7630006000011234567890189")
	if err != nil {
		t.Fatal(err)
	}
	if info, err := s.Indicator(ctx, indicator.IBAN, iban); err != nil || info.Count != 1 {
		t.Errorf("IBAN count after purge: %+v %v", info, err)
	}
	if found, err := s.SearchReports(ctx, search.Terms("vieux signalement"), 10); err != nil || len(found) != 0 {
		t.Errorf("the purged text is still searchable: %v %v", found, err)
	}
	if st, err := intake.FollowUp(ctx, recent.Receipt, recent.FollowUpSecret); err != nil || st != report.StatusReceived {
		t.Errorf("follow-up of a kept report: %v %v", st, err)
	}
	if after := refreshedStats(t, s, now); fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("figures changed with the purge:\n%v\n%v", before, after)
	}
	entries, err := s.FindAudit(ctx, audit.Filter{Action: "retention.purge"})
	if err != nil || len(entries) != 1 || !strings.Contains(entries[0].Detail, `"reports":1`) {
		t.Errorf("purge audit: %+v %v", entries, err)
	}
	if again, err := retention.Purge(ctx, s, taxonomy.Default(), now, false, "test"); err != nil || again.Total() != 0 {
		t.Errorf("a purged report was purged again: %+v %v", again, err)
	}
}

// testCaseRetention: a case closed longer ago than its category's
// retention loses its free text (title, summary, notes, history details,
// search entry) and keeps its status, category and outcome; an open case
// and a case closed recently keep everything; the run is audited once.
func testCaseRetention(t *testing.T, s Store) {
	now := time.Now()
	tax := taxonomy.Default()
	longAgo := casefile.NewService(s, tax, func() time.Time { return now.AddDate(-3, 0, 0) })
	today := casefile.NewService(s, tax, nil)
	cat := category(t, tax, "fraud.scam")
	closeCase := func(svc *casefile.Service, title, note string) casefile.Case {
		t.Helper()
		c, err := svc.Create(ctx, title, []string{submitAt(t, s, "fraud.scam", title, false)}, "ana")
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Note(ctx, c.ID, note, "ana"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Qualify(ctx, c.ID, "fraud.scam", cat.Legal[:1], "Escroquerie : "+note, "normal", "ana"); err != nil {
			t.Fatal(err)
		}
		if c, err = svc.Close(ctx, c.ID, "action-taken", "interpellation", "ana"); err != nil {
			t.Fatal(err)
		}
		return c
	}
	old := closeCase(longAgo, "Affaire Dupont ancienne", "le suspect Jean Dupont habite Lyon")
	recent := closeCase(today, "Affaire Martin récente", "le suspect Paul Martin")
	open, err := longAgo.Create(ctx, "Affaire ouverte", []string{submitAt(t, s, "fraud.scam", "ouverte", false)}, "ana")
	if err != nil {
		t.Fatal(err)
	}

	dry, err := retention.Purge(ctx, s, tax, now, true, "test")
	if err != nil || dry.Cases != 1 {
		t.Fatalf("dry run: %+v %v", dry, err)
	}
	if c, err := s.CaseByID(ctx, old.ID); err != nil || c.Title == "" {
		t.Fatalf("a dry run purged a case: %+v %v", c, err)
	}
	res, err := retention.Purge(ctx, s, tax, now, false, "test")
	if err != nil || res.Cases != 1 {
		t.Fatalf("purge: %+v %v", res, err)
	}
	c, err := s.CaseByID(ctx, old.ID)
	if err != nil || c.Title != "" || c.Summary != "" || c.Status != casefile.StatusClosed || c.Category != "fraud.scam" || c.Outcome != "action-taken" {
		t.Fatalf("purged case: %+v %v", c, err)
	}
	events, err := s.CaseEvents(ctx, old.ID)
	if err != nil || len(events) == 0 {
		t.Fatalf("the purged case lost its history rows: %v", err)
	}
	for _, e := range events {
		if e.Detail != "" {
			t.Errorf("history of a purged case keeps %q (%s)", e.Detail, e.Kind)
		}
	}
	if found, err := s.SearchCases(ctx, search.Terms("Dupont"), 10); err != nil || len(found) != 0 {
		t.Errorf("the purged case is still found by its text: %v %v", found, err)
	}
	for _, kept := range []casefile.Case{recent, open} {
		if c, err := s.CaseByID(ctx, kept.ID); err != nil || c.Title != kept.Title {
			t.Errorf("case %q was purged: %+v %v", kept.Title, c, err)
		}
	}
	if found, err := s.SearchCases(ctx, search.Terms("Martin"), 10); err != nil || len(found) != 1 {
		t.Errorf("a kept case is no longer found: %v %v", found, err)
	}
	entries, err := s.FindAudit(ctx, audit.Filter{Action: "retention.purge"})
	if err != nil || len(entries) != 1 || !strings.Contains(entries[0].Detail, `"cases":1`) {
		t.Errorf("purge audit: %+v %v", entries, err)
	}
	if again, err := retention.Purge(ctx, s, tax, now, false, "test"); err != nil || again.Cases != 0 {
		t.Errorf("a purged case was purged again: %+v %v", again, err)
	}
}

// category looks a taxonomy category up, failing the test when it is not
// there (its zero value would make the checks that use it meaningless).
func category(t *testing.T, tax *taxonomy.Taxonomy, code string) taxonomy.Category {
	t.Helper()
	cat, ok := tax.Lookup(code)
	if !ok || len(cat.Legal) == 0 {
		t.Fatalf("taxonomy has no category %q with legal references", code)
	}
	return cat
}

// refreshedStats recounts the figures of the last four years and reads
// them back. Both calls must succeed and the figures be there, so that
// comparing two readings cannot pass on two failures or two empty sets.
func refreshedStats(t *testing.T, s Store, now time.Time) []stats.Row {
	t.Helper()
	if err := s.RefreshStats(ctx, now.AddDate(-4, 0, 0)); err != nil {
		t.Fatal(err)
	}
	rows, err := s.StatsRows(ctx, now.AddDate(-4, 0, 0), now.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatal("no figures after a refresh over stored reports")
	}
	return rows
}

// testQueueDeadlines: the queue is read in deadline order (the category's
// target time after the report came), urgent reports first; the deadlines
// follow a change of the taxonomy's targets; overdue reports are counted.
func testQueueDeadlines(t *testing.T, s Store) {
	scam := submitAt(t, s, "fraud.scam", "escroquerie, trois jours", false)
	time.Sleep(2 * time.Millisecond)
	terror := submitAt(t, s, "terrorism.apology", "apologie, une heure", false)
	time.Sleep(2 * time.Millisecond)
	grooming := submitAt(t, s, "minors.grooming", "mineur, quatre heures", false)
	time.Sleep(2 * time.Millisecond)
	threat := submitAt(t, s, "hate.racism", "haine mais quelqu'un est en danger", true)

	page, err := s.Queue(ctx, triage.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{threat, terror, grooming, scam}; !slices.Equal(ids(page), want) {
		t.Fatalf("queue order = %v, want urgent first then by deadline %v", ids(page), want)
	}
	created := page[3].CreatedAt
	if got := page[3].DueAt.Sub(created); got != 72*time.Hour {
		t.Errorf("a scam is due %s after it came, want 72h", got)
	}
	if got := page[0].DueAt.Sub(page[0].CreatedAt); got != 15*time.Minute {
		t.Errorf("an urgent report is due %s after it came, want 15m", got)
	}
	// Paging follows the same order.
	var walked []string
	f := triage.Filter{Limit: 1}
	for range 5 {
		p, err := s.Queue(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(p) == 0 {
			break
		}
		walked = append(walked, p[0].ID)
		f.After = p[0].Key()
	}
	if !slices.Equal(walked, ids(page)) {
		t.Errorf("paging one by one gave %v, want %v", walked, ids(page))
	}
	// Two hours on, the urgent report (15 min) and the terrorism one (1 h)
	// are overdue.
	later := time.Now().Add(2 * time.Hour)
	sum, err := s.QueueSummary(ctx, later)
	if err != nil || sum.Overdue != 2 {
		t.Errorf("overdue two hours on = %d (%v), want 2", sum.Overdue, err)
	}
	if !page[1].Overdue(later) || page[3].Overdue(later) {
		t.Errorf("Overdue: terrorism %v scam %v two hours on, want true false", page[1].Overdue(later), page[3].Overdue(later))
	}

	// An installation that wants scams looked at within ten minutes.
	tax, err := taxonomy.Parse([]byte(`{"version":1,"categories":[
		{"code":"fraud.scam","label":{"fr":"Escroquerie","en":"Scam"},"target_minutes":10},
		{"code":"terrorism.apology","label":{"fr":"Terrorisme","en":"Terrorism"},"target_minutes":60},
		{"code":"minors.grooming","label":{"fr":"Mineurs","en":"Minors"},"target_minutes":240},
		{"code":"hate.racism","label":{"fr":"Haine","en":"Hate"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	moved, err := s.Retarget(ctx, tax.Targets())
	if err != nil || moved != 1 {
		t.Fatalf("retarget moved %d (%v), want the scam only", moved, err)
	}
	if again, err := s.Retarget(ctx, tax.Targets()); err != nil || again != 0 {
		t.Errorf("a second retarget moved %d (%v), want 0", again, err)
	}
	page, err = s.Queue(ctx, triage.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{threat, scam, terror, grooming}; !slices.Equal(ids(page), want) {
		t.Fatalf("queue order after retarget = %v, want %v", ids(page), want)
	}
	// Decided reports leave the deadlines alone and the overdue count.
	if _, err := s.Decide(ctx, []string{terror}, triage.Decision{State: triage.StateUnfounded, Reason: "test"}, "ana", time.Now()); err != nil {
		t.Fatal(err)
	}
	if sum, err := s.QueueSummary(ctx, later); err != nil || sum.Overdue != 2 {
		t.Errorf("overdue after deciding one = %d (%v), want 2 (urgent and scam)", sum.Overdue, err)
	}
	if next, err := s.TakeNext(ctx, "ana", time.Now()); err != nil || next.ID != threat {
		t.Errorf("take next = %s (%v), want the urgent report", next.ID, err)
	}
	if next, err := s.TakeNext(ctx, "ana", time.Now()); err != nil || next.ID != scam {
		t.Errorf("then take next = %s (%v), want the scam now due first", next.ID, err)
	}

	// The supervisors' overview reads what waits, taken or not.
	waiting, err := s.Waiting(ctx)
	if err != nil || len(waiting) != 3 {
		t.Fatalf("waiting = %d (%v), want 3", len(waiting), err)
	}
	held := 0
	for _, w := range waiting {
		if w.Assignee == "ana" {
			held++
		}
		if w.DueAt.Before(w.CreatedAt) || w.Category == "" {
			t.Errorf("waiting line %+v", w)
		}
	}
	if held != 2 {
		t.Errorf("ana holds %d of the waiting reports, want 2", held)
	}

	// Referrals late for their acknowledgement, per destination.
	now := time.Now().Truncate(time.Microsecond)
	c := casefile.Case{ID: "case-late", Title: "En retard", Status: casefile.StatusOpen, Priority: "normal", CreatedBy: "ana",
		CreatedAt: now, UpdatedAt: now, ReportIDs: []string{grooming}}
	if err := s.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	c.Status = casefile.StatusReferred
	refs := []casefile.Referral{
		{Destination: "ofmin", At: now, Actor: "ana", Status: casefile.ReferralDelivered, DueAt: now.Add(-time.Hour)},
		{Destination: "ofac", At: now, Actor: "ana", Status: casefile.ReferralPending, DueAt: now.Add(-time.Minute)},
		{Destination: "police", At: now, Actor: "ana", Status: casefile.ReferralDelivered, DueAt: now.Add(time.Hour)},
		{Destination: "interpol", At: now, Actor: "ana", Status: casefile.ReferralAcknowledged, DueAt: now.Add(-time.Hour)},
	}
	if err := s.ReferCase(ctx, c, refs, &casefile.Event{At: now, Actor: "ana", Kind: "status", Detail: "referred"}); err != nil {
		t.Fatal(err)
	}
	late, err := s.LateReferrals(ctx, now)
	if err != nil || len(late) != 2 || late["ofmin"] != 1 || late["ofac"] != 1 {
		t.Errorf("late referrals = %v (%v), want ofmin and ofac once each", late, err)
	}
}
