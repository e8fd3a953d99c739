package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/alert"
	"github.com/vigie-platform/vigie/apitoken"
	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/bank"
	"github.com/vigie-platform/vigie/blocking"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/contenthash"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/hosting"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/removal"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/storage"
	"github.com/vigie-platform/vigie/triage"
	"github.com/vigie-platform/vigie/wave"
)

// Every method of storage.Store is one of three kinds, so that a method
// added to the contract must be placed here (checked by
// testAuditedWrites) and a write cannot slip past the audit unseen.
var (
	// readMethods change nothing: under audit.Within they record nothing.
	readMethods = []string{
		"ReportByID", "ReportByReceipt", "CountReports", "GetBlob",
		"Indicator", "IndicatorReports", "ReportIndicators", "TopIndicators", "UnlinkedCount", "IndexSize",
		"TokenByHash", "ListTokens", "AuditEntries", "FindAudit", "Visits", "CaseTraces",
		"AuditEntry", "AuditTreeSize", "AuditTreeHashes", "AuditTreeRange",
		"UserByEmail", "UserByID", "ListUsers", "EnrolmentUser", "SessionByHash", "UserSessions", "UserPasskeys",
		"Queue", "ReportEvents", "TriageOf", "TriageItems", "QueueSummary", "Waiting", "LateReferrals",
		"SpreadingIdentifiers", "SpreadingWaves", "OpenAlerts", "CountOpenAlerts", "CaseByID", "CaseIDByNumber", "ListCases", "CaseEvents",
		"SearchReports", "SearchCases", "Deliveries", "StatsRows", "ExpiredReports", "ExpiredCases",
		"Notice", "CaseNotices", "RemovedNotices", "NoticesSent", "Subscribed", "Ping", "IntegrityCheck", "SchemaVersion", "Close",
		// Banks of known content (issue 14).
		"Banks", "BankByName", "BankEntries", "BankSeq", "BankChanges", "MatchQueueLen", "ReportMatches", "ReportHashes", "GatheredReports",
		"Wave", "WaveOf", "WaveDays", "WaveMembers", // waves
		"BlockingRequest", "BlockingRequests", "BlockingBatches", // blocking requests and their oversight
		"ReportsIndicators",
		"BlocklistStamp", "ApprovedBlocking", "BlocklistChanges", "PaymentIdentifiers", // disruption feeds (their downloads are audited reads)
	}
	// unauditedWrites take no audit entry, by design: intake (its group
	// transactions are shared by many callers), blob contents (written
	// before the report that names them, removed after the purge that
	// records the act), AppendAudit, which writes its own entry for an
	// audited read and must not commit a change's entry ahead of it, and
	// Retarget, which the server runs at start to follow its configuration
	// (no person acts; the count is logged), and the payment feed's push
	// rows (ClaimPush, PushDone: which instance sends a period's push, as
	// delivery claims; no person acts).
	unauditedWrites = []string{"Create", "PutBlob", "DeleteBlob", "AppendAudit", "Retarget", "ClaimPush", "PushDone"}
)

// within runs change under audit.Within with an entry for action on id,
// and checks that it succeeded and that the trail's newest entry is it.
func within(t *testing.T, s Store, action, id string, change func(ctx context.Context) error) {
	t.Helper()
	e := audit.Entry{At: time.Now(), Actor: "ana@vigie.test", Action: action, ObjectType: "test", ObjectID: id, Source: "127.0.0.1"}
	if err := audit.Within(ctx, e, change); err != nil {
		t.Fatalf("%s under audit.Within: %v", action, err)
	}
	last, err := s.FindAudit(ctx, audit.Filter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(last) != 1 || last[0].Action != action || last[0].ObjectID != id {
		t.Fatalf("after %s the newest audit entry is %+v", action, last)
	}
}

// testAuditedWrites calls every write method of the store under
// audit.Within: each must write the entry in its own transaction (Within
// returns audit.ErrNotRecorded otherwise), the entry must be the one
// asked for, and the trail must still verify.
func testAuditedWrites(t *testing.T, s Store) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	var r []string
	for i := range 6 {
		r = append(r, submitAt(t, s, "fraud.scam", fmt.Sprintf("signalement %d, IBAN FR7630006000011234567890189", i), false))
		time.Sleep(2 * time.Millisecond)
	}
	_, tokenHash := apitoken.New()
	var user account.User
	c := casefile.Case{ID: "case-audited", Title: "Fiche", Status: casefile.StatusOpen, Priority: "normal", CreatedBy: "ana",
		CreatedAt: now, UpdatedAt: now, ReportIDs: []string{r[3], r[4]}, LegalRefs: []string{}}
	split := casefile.Case{ID: "case-split", Title: "Scindée", Status: casefile.StatusOpen, Priority: "normal", CreatedBy: "ana",
		CreatedAt: now, UpdatedAt: now, ReportIDs: []string{r[4]}, LegalRefs: []string{}}
	notice := removal.Notice{ID: "notice-audited", CaseID: c.ID, URL: "https://faux.example/p", Host: "hébergeur", Kind: "notice",
		LegalBasis: "LCEN art. 6", SentAt: now, DueAt: now.Add(24 * time.Hour), Status: removal.StatusSent, Actor: "ana"}
	linker := correlate.NewLinker(s, correlate.DefaultWarningList(), indicator.DefaultOptions, nil)
	// Blocking requests: one made by an audited escalation, one made here
	// for the batch review.
	escalated := notice
	escalated.Status, escalated.EscalatedAt = removal.StatusEscalated, now
	request := func(id, noticeID string) blocking.Request {
		return blocking.Request{ID: id, NoticeID: noticeID, CaseID: c.ID, URL: notice.URL, Domain: "faux.example", Category: "fraud.scam",
			Reason: "r", RequestedAt: now, Batch: blocking.BatchOf(now), State: blocking.StatePending}
	}
	other := notice
	other.ID = "notice-audited-2"
	if err := s.CreateNotice(ctx, other); err != nil {
		t.Fatal(err)
	}
	other.Status, other.EscalatedAt = removal.StatusEscalated, now
	if err := s.EscalateNotice(ctx, other, request("request-audited-2", other.ID)); err != nil {
		t.Fatal(err)
	}
	count := func(n int, err error) error {
		if err == nil && n != 1 {
			err = fmt.Errorf("changed %d, want 1", n)
		}
		return err
	}

	steps := []struct {
		method string
		change func(ctx context.Context) error
	}{
		{"CreateToken", func(ctx context.Context) error {
			_, err := s.CreateToken(ctx, apitoken.Token{Name: "audited", Hash: tokenHash, Scopes: []string{apitoken.ScopeReportsWrite}, CreatedAt: now})
			return err
		}},
		{"RevokeToken", func(ctx context.Context) error { return s.RevokeToken(ctx, "audited", now) }},
		{"AddVisits", func(ctx context.Context) error { return s.AddVisits(ctx, now, 3) }},
		{"Spend", func(ctx context.Context) error {
			fresh, err := s.Spend(ctx, "sig-audited", now.Add(time.Minute))
			if err == nil && !fresh {
				err = errors.New("a fresh signature was reported spent")
			}
			return err
		}},
		{"Key", func(ctx context.Context) error { _, err := s.Key(ctx, "audited"); return err }},
		{"CreateUser", func(ctx context.Context) (err error) {
			user, err = s.CreateUser(ctx, account.User{Email: "audited@vigie.test", Role: account.RoleAnalyst, CreatedAt: now})
			return err
		}},
		{"SetCredentials", func(ctx context.Context) error { return s.SetCredentials(ctx, user.ID, "hash", "SECRET") }},
		{"SetUserDisabled", func(ctx context.Context) error { return s.SetUserDisabled(ctx, user.ID, false) }},
		{"RecordLoginFailure", func(ctx context.Context) error { return s.RecordLoginFailure(ctx, user.ID) }},
		{"RecordLoginSuccess", func(ctx context.Context) error { return s.RecordLoginSuccess(ctx, user.ID, 7) }},
		{"CreateEnrolment", func(ctx context.Context) error {
			return s.CreateEnrolment(ctx, []byte("enrol"), user.ID, now.Add(time.Hour))
		}},
		{"OfferEnrolmentSecret", func(ctx context.Context) error {
			_, err := s.OfferEnrolmentSecret(ctx, []byte("enrol"), "SEED")
			return err
		}},
		{"DeleteEnrolment", func(ctx context.Context) error { return s.DeleteEnrolment(ctx, []byte("enrol")) }},
		{"AddPasskey", func(ctx context.Context) error {
			for _, id := range []string{"cred-1", "cred-2"} {
				if _, err := s.AddPasskey(ctx, account.Passkey{UserID: user.ID, CredentialID: []byte(id), PublicKey: []byte("pk"), Name: id, Record: []byte("{}"), CreatedAt: now}); err != nil {
					return err
				}
			}
			return nil
		}},
		{"RecordPasskeyLogin", func(ctx context.Context) error {
			keys, err := s.UserPasskeys(ctx, user.ID)
			if err != nil {
				return err
			}
			return s.RecordPasskeyLogin(ctx, user.ID, keys[0].ID, 1, []byte("{}"), now)
		}},
		{"DeletePasskey", func(ctx context.Context) error {
			keys, err := s.UserPasskeys(ctx, user.ID)
			if err != nil {
				return err
			}
			return s.DeletePasskey(ctx, user.ID, keys[1].ID)
		}},
		{"RemoveTOTP", func(ctx context.Context) error { return s.RemoveTOTP(ctx, user.ID) }},
		{"SetTOTP", func(ctx context.Context) error { return s.SetTOTP(ctx, user.ID, "SECRET", 7) }},
		{"SaveCeremony", func(ctx context.Context) error {
			return s.SaveCeremony(ctx, account.Ceremony{HandleHash: []byte("handle"), UserID: user.ID, Kind: "login", Session: []byte("{}"), Expires: now.Add(time.Hour)})
		}},
		{"TakeCeremony", func(ctx context.Context) error {
			_, err := s.TakeCeremony(ctx, []byte("handle"), "login", now)
			return err
		}},
		{"CreateSession", func(ctx context.Context) error {
			return s.CreateSession(ctx, account.Session{TokenHash: []byte("sess"), UserID: user.ID, CreatedAt: now, LastSeen: now})
		}},
		{"TouchSession", func(ctx context.Context) error { return s.TouchSession(ctx, []byte("sess"), now.Add(time.Minute)) }},
		{"DeleteUserSession", func(ctx context.Context) error { return s.DeleteUserSession(ctx, user.ID, []byte("sess")) }},
		{"DeleteSession", func(ctx context.Context) error { return s.DeleteSession(ctx, []byte("sess")) }},
		{"DeleteUserSessions", func(ctx context.Context) error { return s.DeleteUserSessions(ctx, user.ID) }},
		{"DeleteOtherSessions", func(ctx context.Context) error { return s.DeleteOtherSessions(ctx, user.ID, []byte("kept")) }},
		{"SetPassword", func(ctx context.Context) error { return s.SetPassword(ctx, user.ID, "hash2", []byte("kept")) }},

		{"LinkPending", func(ctx context.Context) error {
			n, err := linker.LinkOnce(ctx, 100)
			if err == nil && n != len(r) {
				err = fmt.Errorf("linked %d, want %d", n, len(r))
			}
			return err
		}},
		{"IndexPendingText", func(ctx context.Context) error { _, err := s.IndexPendingText(ctx, 100); return err }},
		{"AssignWaves", func(ctx context.Context) error {
			n, err := wave.NewAssigner(s, correlate.DefaultWarningList(), indicator.DefaultOptions).Once(ctx, 100)
			if err == nil && n != len(r) {
				err = fmt.Errorf("placed %d, want %d", n, len(r))
			}
			return err
		}},
		{"ResetLinks", func(ctx context.Context) error { return s.ResetLinks(ctx) }},
		{"RaiseAlert", func(ctx context.Context) error {
			ok, err := s.RaiseAlert(ctx, alert.Alert{Kind: alert.KindIdentifier, Subject: "iban:FR76", Label: "FR76", LastHour: 12, TriggerAt: now, RaisedAt: now}, now.Add(-time.Hour))
			if err == nil && !ok {
				err = errors.New("alert not raised")
			}
			return err
		}},
		{"ClaimAlertNotices", func(ctx context.Context) error {
			got, err := s.ClaimAlertNotices(ctx, now, time.Minute, 10)
			if err == nil && len(got) != 1 {
				err = fmt.Errorf("claimed %d notices, want 1", len(got))
			}
			return err
		}},
		{"AlertNoticed", func(ctx context.Context) error { return s.AlertNoticed(ctx, openAlertID(t, s), now, true, "") }},
		{"CloseAlert", func(ctx context.Context) error { return s.CloseAlert(ctx, openAlertID(t, s), "ana", now) }},
		{"TakeNext", func(ctx context.Context) error { _, err := s.TakeNext(ctx, "ana", now); return err }},
		{"Assign", func(ctx context.Context) error { return count(s.Assign(ctx, []string{r[1]}, "ana", "sup", now)) }},
		{"Decide", func(ctx context.Context) error {
			return count(s.Decide(ctx, []string{r[2]}, triage.Decision{State: triage.StateUnfounded, Reason: "rien d'illicite"}, "ana", now))
		}},
		{"CreateCase", func(ctx context.Context) error { return s.CreateCase(ctx, c) }},
		{"AddReportsToCase", func(ctx context.Context) error { return s.AddReportsToCase(ctx, c.ID, []string{r[5]}, "ana") }},
		{"RemoveReportFromCase", func(ctx context.Context) error { return s.RemoveReportFromCase(ctx, c.ID, r[5], "ana") }},
		{"SplitCase", func(ctx context.Context) error { return s.SplitCase(ctx, c.ID, split) }},
		{"MergeCases", func(ctx context.Context) error { return s.MergeCases(ctx, c.ID, split.ID, "ana") }},
		{"UpdateCase", func(ctx context.Context) error {
			q := c
			q.Status, q.Category, q.LegalRefs, q.Summary, q.UpdatedAt = casefile.StatusQualified, "fraud.scam", []string{"Code pénal art. 313-1"}, "Escroquerie", now
			return s.UpdateCase(ctx, q, casefile.Event{At: now, Actor: "ana", Kind: "qualified"})
		}},
		{"AddCaseEvent", func(ctx context.Context) error {
			return s.AddCaseEvent(ctx, c.ID, casefile.Event{At: now, Actor: "ana", Kind: "note", Detail: "la banque confirme"})
		}},
		{"ReferCase", func(ctx context.Context) error {
			return s.ReferCase(ctx, c, []casefile.Referral{{Destination: "partner", At: now, Actor: "ana", Status: casefile.ReferralPending, DueAt: now.Add(time.Hour),
				Delivery: &casefile.QueuedDelivery{ID: "delivery-audited", Channel: "webhook", Target: "https://partner.example/hook", Payload: []byte("{}")}}}, nil)
		}},
		{"UpdateReferral", func(ctx context.Context) error {
			return s.UpdateReferral(ctx, c.ID, casefile.Referral{Destination: "partner", Status: casefile.ReferralAcknowledged, AcknowledgedAt: now},
				casefile.Event{At: now, Actor: "dest", Kind: "acknowledged", Detail: "partner"})
		}},
		{"ClaimDeliveries", func(ctx context.Context) error {
			ds, err := s.ClaimDeliveries(ctx, now, time.Minute, 10)
			return count(len(ds), err)
		}},
		{"DeliveryFailed", func(ctx context.Context) error { return s.DeliveryFailed(ctx, "delivery-audited", "down", now, false) }},
		{"DeliverySucceeded", func(ctx context.Context) error { return s.DeliverySucceeded(ctx, "delivery-audited", now) }},
		{"ClaimNews", func(ctx context.Context) error { _, err := s.ClaimNews(ctx, now, time.Minute, 10); return err }},
		{"NewsFailed", func(ctx context.Context) error { return s.NewsFailed(ctx, 1, "down", now, false) }},
		{"NewsSent", func(ctx context.Context) error { return s.NewsSent(ctx, 1, now) }},
		{"StopNews", func(ctx context.Context) error { _, err := s.StopNews(ctx, "VG-0000-0000", now); return err }},
		{"RefreshStats", func(ctx context.Context) error { return s.RefreshStats(ctx, now.AddDate(0, 0, -1)) }},
		{"CreateNotice", func(ctx context.Context) error { return s.CreateNotice(ctx, notice) }},
		{"EscalateNotice", func(ctx context.Context) error {
			return s.EscalateNotice(ctx, escalated, request("request-audited", notice.ID))
		}},
		{"ReviewBlockingRequest", func(ctx context.Context) error {
			return s.ReviewBlockingRequest(ctx, "request-audited", blocking.StateApproved, "qp", "", now)
		}},
		{"ReviewBlockingRequests", func(ctx context.Context) error {
			done, err := s.ReviewBlockingRequests(ctx, []string{"request-audited-2"}, blocking.StateRefused, "qp", "non", now)
			return count(len(done), err)
		}},
		{"SetBlockingGone", func(ctx context.Context) error { return s.SetBlockingGone(ctx, notice.ID, now) }},
		{"UpdateNotice", func(ctx context.Context) error {
			n := notice
			n.Status, n.RemovedAt, n.CheckedAt = removal.StatusRemoved, now, now
			return s.UpdateNotice(ctx, n)
		}},
		// The notices' lifecycle (issue 15, part 2).
		{"CreateNotice", func(ctx context.Context) error {
			n := notice
			n.ID, n.Status, n.NextCheckAt, n.Recipient, n.MailNextAt = "notice-lifecycle", removal.StatusSent, now.Add(-time.Minute), "abuse@faux.example", now.Add(-time.Minute)
			return s.CreateNotice(ctx, n)
		}},
		{"ClaimNoticeChecks", func(ctx context.Context) error {
			got, err := s.ClaimNoticeChecks(ctx, now, time.Minute, 10)
			return count(len(got), err)
		}},
		{"SaveNoticeCheck", func(ctx context.Context) error {
			n, err := s.Notice(ctx, "notice-lifecycle")
			if err != nil {
				return err
			}
			claimed := n.NextCheckAt
			n.Checks, n.CheckedAt, n.CheckResult, n.NextCheckAt = 1, now, "200 OK", now.Add(time.Hour)
			return s.SaveNoticeCheck(ctx, n, claimed)
		}},
		{"ClaimNoticeMail", func(ctx context.Context) error {
			got, err := s.ClaimNoticeMail(ctx, now, time.Minute, 10)
			return count(len(got), err)
		}},
		{"SaveNoticeMail", func(ctx context.Context) error {
			n, err := s.Notice(ctx, "notice-lifecycle")
			if err != nil {
				return err
			}
			n.MailedAt, n.MailNextAt = now, time.Time{}
			return s.SaveNoticeMail(ctx, n)
		}},
		{"EscalateNotice", func(ctx context.Context) error {
			n, err := s.Notice(ctx, "notice-lifecycle")
			if err != nil {
				return err
			}
			n.Status, n.EscalatedAt = removal.StatusEscalated, now
			return s.EscalateNotice(ctx, n, blocking.Request{ID: "blocking-audited", NoticeID: n.ID, CaseID: n.CaseID, URL: n.URL, Domain: "faux.example",
				Reason: "r", RequestedAt: now, Batch: blocking.BatchOf(now), State: blocking.StatePending})
		}},
		{"SetBlockingGone", func(ctx context.Context) error { return s.SetBlockingGone(ctx, "notice-lifecycle", now) }},
		{"ReviewBlockingRequest", func(ctx context.Context) error {
			return s.ReviewBlockingRequest(ctx, "blocking-audited", blocking.StateApproved, "qp", "ok", now)
		}},
		{"PurgeReports", func(ctx context.Context) error { _, err := s.PurgeReports(ctx, []string{r[0]}, now); return err }},
		{"PurgeCases", func(ctx context.Context) error { return s.PurgeCases(ctx, []string{split.ID}, now) }},
		{"ReplaceTraces", func(ctx context.Context) error {
			return s.ReplaceTraces(ctx, c.ID, []hosting.Trace{{URL: "https://faux.example/p", Host: "faux.example", TracedAt: now}})
		}},
		// Banks of known content (issue 14).
		{"ImportBank", func(ctx context.Context) error {
			_, n, err := s.ImportBank(ctx, bank.Import{Name: "audited", Entries: []bank.Entry{{Hash: contenthash.Hash{Kind: contenthash.MD5, Value: strings.Repeat("ab", 16)}, AddedAt: now}}}, now)
			return count(n, err)
		}},
		{"SetBankEnabled", func(ctx context.Context) error { return s.SetBankEnabled(ctx, "audited", false) }},
		{"WithdrawEntries", func(ctx context.Context) error {
			return count(s.WithdrawEntries(ctx, "audited", []contenthash.Hash{{Kind: contenthash.MD5, Value: strings.Repeat("ab", 16)}}, now))
		}},
		{"ClaimMatchWork", func(ctx context.Context) error { _, err := s.ClaimMatchWork(ctx, 10, now, time.Minute); return err }},
		{"RecordMatches", func(ctx context.Context) error {
			_, err := s.RecordMatches(ctx, bank.Outcome{ReportID: r[5], At: now})
			return err
		}},
	}

	var written []string
	for _, st := range steps {
		within(t, s, "test."+st.method, st.method, st.change)
		written = append(written, st.method)
	}
	checkClassified(t, written)

	// The changes themselves went in with their entries.
	if got, err := s.CaseByID(ctx, c.ID); err != nil || got.Status != casefile.StatusQualified || !slices.Contains(got.ReportIDs, r[3]) {
		t.Errorf("created and qualified case: %+v %v", got, err)
	}
	if it, err := s.TriageOf(ctx, r[2]); err != nil || it.State != triage.StateUnfounded {
		t.Errorf("decided report: %+v %v", it, err)
	}
	if u, err := s.UserByEmail(ctx, "audited@vigie.test"); err != nil || u.ID != user.ID || u.TOTPLastStep != 7 {
		t.Errorf("created user: %+v %v", u, err)
	}
	if toks, err := s.ListTokens(ctx); err != nil || len(toks) != 1 || toks[0].RevokedAt == nil {
		t.Errorf("revoked token: %+v %v", toks, err)
	}

	var actions []string
	if err := s.AuditEntries(ctx, func(e audit.Entry) error { actions = append(actions, e.Action); return nil }); err != nil {
		t.Fatal(err)
	}
	want := make([]string, len(steps))
	for i, st := range steps {
		want[i] = "test." + st.method
	}
	if !slices.Equal(actions, want) {
		t.Errorf("trail %v, want %v", actions, want)
	}
	if res, err := audit.Verify(ctx, s); err != nil || res.Entries != int64(len(steps)) {
		t.Errorf("verify = %+v, %v", res, err)
	}
}

// openAlertID is the id of the one open alert.
func openAlertID(t *testing.T, s Store) int64 {
	t.Helper()
	open, err := s.OpenAlerts(ctx, 10)
	if err != nil || len(open) != 1 {
		t.Fatalf("open alerts %+v %v, want one", open, err)
	}
	return open[0].ID
}

// checkClassified fails when a method of storage.Store is neither a read,
// nor a write that testAuditedWrites calls, nor a known unaudited write.
func checkClassified(t *testing.T, written []string) {
	t.Helper()
	known := slices.Concat(readMethods, unauditedWrites, written)
	contract := reflect.TypeFor[storage.Store]()
	for i := range contract.NumMethod() {
		if name := contract.Method(i).Name; !slices.Contains(known, name) {
			t.Errorf("storage.Store.%s is neither a read, an unaudited write, nor checked to write its audit entry", name)
		}
	}
}

// testAuditOutcome: the writes whose entry records what only they know
// (audit.WithinOutcome) complete it in their transaction: the report
// TakeNext took, the id of a new user or token, how many reports a bulk
// decision or assignment changed.
func testAuditOutcome(t *testing.T, s Store) {
	a := submit(t, s, "premier")
	time.Sleep(2 * time.Millisecond)
	b := submit(t, s, "second")
	now := time.Now().UTC().Truncate(time.Microsecond)
	record := func(action string, change func(ctx context.Context) error) audit.Entry {
		t.Helper()
		err := audit.WithinOutcome(ctx, func(o audit.Outcome) audit.Entry {
			return audit.Entry{At: now, Actor: "ana", Action: action, ObjectType: "test", ObjectID: o.ObjectID, Detail: fmt.Sprint(o.Changed)}
		}, change)
		if err != nil {
			t.Fatalf("%s under audit.WithinOutcome: %v", action, err)
		}
		last, err := s.FindAudit(ctx, audit.Filter{Limit: 1})
		if err != nil || len(last) != 1 || last[0].Action != action {
			t.Fatalf("after %s the newest entry is %+v (%v)", action, last, err)
		}
		return last[0]
	}
	var taken triage.Item
	if e := record("report.take", func(ctx context.Context) (err error) { taken, err = s.TakeNext(ctx, "ana", now); return err }); e.ObjectID != a || taken.ID != a || e.Detail != "1" {
		t.Errorf("take next recorded %q (%s changed), took %q, want %q", e.ObjectID, e.Detail, taken.ID, a)
	}
	if e := record("report.decide", func(ctx context.Context) error {
		_, err := s.Decide(ctx, []string{a, b, "no-such-report"}, triage.Decision{State: triage.StateUnfounded, Reason: "rien"}, "ana", now)
		return err
	}); e.Detail != "2" {
		t.Errorf("a decision on two of three reports recorded %s changed", e.Detail)
	}
	if e := record("report.assign", func(ctx context.Context) error {
		_, err := s.Assign(ctx, []string{a, b}, "bob", "sup", now)
		return err
	}); e.Detail != "0" {
		t.Errorf("an assignment of decided reports recorded %s changed", e.Detail)
	}
	var u account.User
	if e := record("user.add", func(ctx context.Context) (err error) {
		u, err = s.CreateUser(ctx, account.User{Email: "outcome@vigie.test", Role: account.RoleAnalyst, CreatedAt: now})
		return err
	}); e.ObjectID != fmt.Sprint(u.ID) || u.ID == 0 {
		t.Errorf("user creation recorded %q, user id %d", e.ObjectID, u.ID)
	}
	_, hash := apitoken.New()
	var tok apitoken.Token
	if e := record("token.create", func(ctx context.Context) (err error) {
		tok, err = s.CreateToken(ctx, apitoken.Token{Name: "outcome", Hash: hash, CreatedAt: now})
		return err
	}); e.ObjectID != fmt.Sprint(tok.ID) || tok.ID == 0 {
		t.Errorf("token creation recorded %q, token id %d", e.ObjectID, tok.ID)
	}
	if _, err := audit.Verify(ctx, s); err != nil {
		t.Error(err)
	}
}

// testAuditedWriteRefused: a write that fails (here with its own answer)
// writes no entry, and Within returns the write's error.
func testAuditedWriteRefused(t *testing.T, s Store) {
	e := audit.Entry{At: time.Now(), Actor: "ana", Action: "token.revoke", ObjectType: "token", ObjectID: "nobody"}
	err := audit.Within(ctx, e, func(ctx context.Context) error { return s.RevokeToken(ctx, "nobody", time.Now()) })
	if !errors.Is(err, apitoken.ErrNotFound) {
		t.Fatalf("revoking an unknown token under audit.Within: %v", err)
	}
	if got, err := s.FindAudit(ctx, audit.Filter{}); err != nil || len(got) != 0 {
		t.Fatalf("a refused change left an entry: %+v %v", got, err)
	}
}

// testAuditNotRecorded: a method that does not write the entry it carries
// makes audit.Within fail with audit.ErrNotRecorded — a read, and the
// writes that take no entry by design.
func testAuditNotRecorded(t *testing.T, s Store) {
	id := submit(t, s, "un signalement")
	e := audit.Entry{At: time.Now(), Actor: "ana", Action: "test.not-recorded", ObjectType: "report", ObjectID: id}
	for name, change := range map[string]func(ctx context.Context) error{
		"ReportByID (a read)": func(ctx context.Context) error { _, err := s.ReportByID(ctx, id); return err },
		"Create": func(ctx context.Context) error {
			stored, err := s.ReportByID(ctx, id)
			if err != nil {
				return err
			}
			stored.ID, stored.Receipt, stored.IdempotencyKey = "other-"+id, report.NewReceipt(), ""
			_, errs, err := s.Create(ctx, []*report.Report{&stored})
			return errors.Join(err, errors.Join(errs...))
		},
		"PutBlob": func(ctx context.Context) error {
			return s.PutBlob(ctx, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", []byte("hello"))
		},
		"AppendAudit": func(ctx context.Context) error {
			_, err := s.AppendAudit(ctx, audit.Entry{At: time.Now(), Actor: "ana", Action: "report.view", ObjectType: "report", ObjectID: id})
			return err
		},
	} {
		if err := audit.Within(ctx, e, change); !errors.Is(err, audit.ErrNotRecorded) {
			t.Errorf("%s under audit.Within: %v, want audit.ErrNotRecorded", name, err)
		}
	}
	var actions []string
	if err := s.AuditEntries(ctx, func(e audit.Entry) error { actions = append(actions, e.Action); return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(actions, []string{"report.view"}) {
		t.Errorf("trail %v, want only AppendAudit's own entry", actions)
	}
}

// testAuditFailureRollsBack is the acceptance test of audited changes:
// when the audit entry cannot be written (the trail's table is renamed
// away under the store), the change it records is rolled back and the
// error returned.
func testAuditFailureRollsBack(t *testing.T, s Store, exec func(string) error) {
	a := submitAt(t, s, "fraud.scam", "faux conseiller bancaire", false)
	b := submitAt(t, s, "fraud.scam", "même faux conseiller", false)
	linkAll(t, s, correlate.NewLinker(s, correlate.DefaultWarningList(), indicator.DefaultOptions, nil))
	now := time.Now().UTC().Truncate(time.Microsecond)
	c := casefile.Case{ID: "case-rolled-back", Title: "Faux conseiller", Status: casefile.StatusOpen, Priority: "normal", CreatedBy: "ana",
		CreatedAt: now, UpdatedAt: now, ReportIDs: []string{a}, LegalRefs: []string{}}

	if err := exec(`ALTER TABLE audit_log RENAME TO audit_log_off`); err != nil {
		t.Fatal(err)
	}
	restored := false
	restore := func() {
		if !restored {
			restored = true
			if err := exec(`ALTER TABLE audit_log_off RENAME TO audit_log`); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Cleanup(restore)
	entry := func(action, id string) audit.Entry {
		return audit.Entry{At: now, Actor: "ana", Action: action, ObjectType: "test", ObjectID: id, Source: "127.0.0.1"}
	}
	for _, tc := range []struct {
		action string
		change func(ctx context.Context) error
	}{
		{"case.create", func(ctx context.Context) error { return s.CreateCase(ctx, c) }},
		{"triage.decide", func(ctx context.Context) error {
			_, err := s.Decide(ctx, []string{b}, triage.Decision{State: triage.StateUnfounded, Reason: "rien"}, "ana", now)
			return err
		}},
		{"user.create", func(ctx context.Context) error {
			_, err := s.CreateUser(ctx, account.User{Email: "rolled-back@vigie.test", Role: account.RoleAnalyst, CreatedAt: now})
			return err
		}},
	} {
		err := audit.Within(ctx, entry(tc.action, "x"), tc.change)
		if err == nil || errors.Is(err, audit.ErrNotRecorded) || !errors.Is(err, audit.ErrUnwritten) {
			t.Errorf("%s with a trail that cannot take its entry: %v, want the audit error", tc.action, err)
		}
	}
	restore()

	if _, err := s.CaseByID(ctx, c.ID); !errors.Is(err, casefile.ErrNotFound) {
		t.Errorf("the case whose entry failed exists: %v", err)
	}
	if found, err := s.SearchCases(ctx, []string{"conseiller"}, 10); err != nil || len(found) != 0 {
		t.Errorf("the case whose entry failed is indexed: %v %v", found, err)
	}
	for _, id := range []string{a, b} {
		it, err := s.TriageOf(ctx, id)
		if err != nil || it.State != triage.StateNew || it.CaseID != "" {
			t.Errorf("report %s after the rolled-back changes: %+v %v", id, it, err)
		}
		if hist, err := s.ReportEvents(ctx, id); err != nil || len(hist) != 0 {
			t.Errorf("report %s history after the rolled-back changes: %+v %v", id, hist, err)
		}
	}
	if _, err := s.UserByEmail(ctx, "rolled-back@vigie.test"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("the user whose entry failed exists: %v", err)
	}
	// The trail works again, and holds nothing of the failed changes.
	within(t, s, "case.create", c.ID, func(ctx context.Context) error { return s.CreateCase(ctx, c) })

	// A referral to two services and the case's new status are one change:
	// a trail that refuses its entry leaves none of them.
	if err := exec(`ALTER TABLE audit_log RENAME TO audit_log_off`); err != nil {
		t.Fatal(err)
	}
	restored = false
	referred := c
	referred.Status, referred.UpdatedAt = casefile.StatusReferred, now
	refs := []casefile.Referral{{Destination: "ofac", At: now, Actor: "ana", Status: casefile.ReferralDelivered, DueAt: now.Add(time.Hour)},
		{Destination: "interpol", At: now, Actor: "ana", Status: casefile.ReferralDelivered, DueAt: now.Add(time.Hour)}}
	err := audit.Within(ctx, entry("case.refer", c.ID), func(ctx context.Context) error {
		return s.ReferCase(ctx, referred, refs, &casefile.Event{At: now, Actor: "ana", Kind: "status", Detail: "referred"})
	})
	restore()
	if !errors.Is(err, audit.ErrUnwritten) {
		t.Errorf("refer with a trail that cannot take its entry: %v, want the audit error", err)
	}
	if got, err := s.CaseByID(ctx, c.ID); err != nil || got.Status != casefile.StatusOpen || len(got.Referrals) != 0 {
		t.Errorf("after a refused referral the case is %s with %d referrals (%v), want open with none", got.Status, len(got.Referrals), err)
	}
	within(t, s, "case.refer", c.ID, func(ctx context.Context) error {
		return s.ReferCase(ctx, referred, refs, &casefile.Event{At: now, Actor: "ana", Kind: "status", Detail: "referred"})
	})
	if got, err := s.CaseByID(ctx, c.ID); err != nil || got.Status != casefile.StatusReferred || len(got.Referrals) != 2 {
		t.Errorf("after the referral the case is %s with %d referrals (%v), want referred with two", got.Status, len(got.Referrals), err)
	}
	if res, err := audit.Verify(ctx, s); err != nil || res.Entries != 2 {
		t.Errorf("verify = %+v, %v", res, err)
	}
}
