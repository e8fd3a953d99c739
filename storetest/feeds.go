package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/blocking"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/feed"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/removal"
	"github.com/vigie-platform/vigie/triage"
)

// escalated makes a notice for url and escalates it into a pending
// blocking request, then reviews it into state (pending: left as is).
func escalatedFeed(t *testing.T, s Store, id, url, state string, at time.Time) {
	t.Helper()
	n := removal.Notice{ID: "n-" + id, CaseID: "case-" + id, URL: url, Host: "abuse@host.example", Kind: "administrative",
		LegalBasis: "LCEN 6-1", SentAt: at, DueAt: at.Add(24 * time.Hour), Status: removal.StatusSent, Actor: "ana", Category: "fraud.scam"}
	if err := s.CreateNotice(ctx, n); err != nil {
		t.Fatal(err)
	}
	n.Status, n.EscalatedAt = removal.StatusEscalated, at.Add(25*time.Hour)
	req := blocking.Request{ID: id, NoticeID: n.ID, CaseID: n.CaseID, URL: url, Domain: blocking.DomainOf(url), Category: "fraud.scam",
		Reason: "still online", RequestedAt: n.EscalatedAt, Batch: blocking.BatchOf(n.EscalatedAt), State: blocking.StatePending}
	if err := s.EscalateNotice(ctx, n, req); err != nil {
		t.Fatal(err)
	}
	if state != blocking.StatePending {
		if err := s.ReviewBlockingRequest(ctx, id, state, "qualified", "", at.Add(48*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
}

// testFeeds: only approved requests are read for the feeds, in the order
// of their approval, paged after a point; the marker changes with an
// approval and with a content gone; payment identifiers come only from
// reports kept in a case, named by enough of them, recent enough, and
// not on the warning list; a push is claimed once per period.
func testFeeds(t *testing.T, s Store) {
	base := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	if st, err := s.BlocklistStamp(ctx); err != nil || st != 0 {
		t.Fatalf("empty stamp %d, %v", st, err)
	}
	before := time.Now().UnixMicro()
	escalatedFeed(t, s, "b-approved-2", "https://deux.example/pay", blocking.StateApproved, base.Add(time.Hour))
	escalatedFeed(t, s, "b-approved-1", "https://un.example/login?x=1", blocking.StateApproved, base)
	escalatedFeed(t, s, "b-pending", "https://attente.example/", blocking.StatePending, base)
	escalatedFeed(t, s, "b-refused", "https://refus.example/", blocking.StateRefused, base)

	var got []string
	if err := s.ApprovedBlocking(ctx, func(e feed.Entry) error { got = append(got, e.ID+" "+e.Domain); return nil }); err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if fmt.Sprint(got) != "[b-approved-1 un.example b-approved-2 deux.example]" {
		t.Fatalf("approved entries %v: want the two approved, never pending or refused", got)
	}
	st1, err := s.BlocklistStamp(ctx)
	if err != nil || st1 < before {
		t.Fatalf("stamp %d after the approvals (before %d), %v", st1, before, err)
	}
	changes, err := s.BlocklistChanges(ctx, before-1)
	if err != nil || len(changes) != 2 || changes[0].ID != "b-approved-2" || changes[1].ID != "b-approved-1" ||
		!changes[1].ApprovedAt.Equal(base.Add(48*time.Hour)) || changes[1].URL != "https://un.example/login?x=1" || changes[1].Changed < before {
		t.Fatalf("changes since before the approvals: %+v, %v (want both approved, in the order stamped)", changes, err)
	}
	if changes, err := s.BlocklistChanges(ctx, st1); err != nil || len(changes) != 0 {
		t.Fatalf("changes since the last stamp: %+v, %v", changes, err)
	}
	time.Sleep(time.Millisecond)
	if err := s.SetBlockingGone(ctx, "n-b-approved-2", base.Add(72*time.Hour)); err != nil {
		t.Fatal(err)
	}
	st2, err := s.BlocklistStamp(ctx)
	if err != nil || st2 <= st1 {
		t.Fatalf("stamp after gone %d (before %d), %v", st2, st1, err)
	}
	changes, err = s.BlocklistChanges(ctx, st1)
	if err != nil || len(changes) != 1 || changes[0].ID != "b-approved-2" || !changes[0].GoneSince.Equal(base.Add(72*time.Hour)) {
		t.Fatalf("changes since the gone: %+v, %v", changes, err)
	}

	// Payment identifiers.
	iban, victim, listed := "FR7630006000011234567890189", "FR1420041010050500013M02606", "DE89370400440532013000"
	var inCase []string
	for i := range 3 {
		inCase = append(inCase, submit(t, s, fmt.Sprintf("victime %d: virement vers %s", i, iban)))
	}
	// A victim's own account, named in one report only.
	inCase = append(inCase, submit(t, s, "j'ai payé depuis mon compte "+victim+" vers "+iban))
	// Named three times, but never in a case: one left unread, two decided unfounded.
	loose := []string{submit(t, s, "compte "+listed), submit(t, s, "compte "+listed), submit(t, s, "compte "+listed)}
	linkAll(t, s, correlate.NewLinker(s, correlate.DefaultWarningList(), indicator.DefaultOptions, nil))
	now := time.Now().UTC()
	c := casefile.Case{ID: "case-payments", Title: "Faux conseiller", Status: casefile.StatusOpen, Priority: "normal", CreatedBy: "ana",
		CreatedAt: now, UpdatedAt: now, LegalRefs: []string{}, ReportIDs: inCase}
	if err := s.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Decide(ctx, loose[1:], triage.Decision{State: triage.StateUnfounded, Reason: "rien"}, "ana", now); err != nil {
		t.Fatal(err)
	}
	ps, err := s.PaymentIdentifiers(ctx, feed.DefaultPaymentRule, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].Type != indicator.IBAN || ps[0].Value != iban || ps[0].Reports != 4 || ps[0].FirstSeen.IsZero() || ps[0].LastSeen.Before(ps[0].FirstSeen) {
		t.Fatalf("payment identifiers %+v: want the fraudster's IBAN alone, named by 4 reports in the case", ps)
	}
	if ps, err := s.PaymentIdentifiers(ctx, feed.PaymentRule{MinReports: 1, MaxAge: time.Hour}, now); err != nil || len(ps) != 2 {
		t.Fatalf("with one report enough: %+v, %v; want both accounts of the case", ps, err)
	}
	if ps, err := s.PaymentIdentifiers(ctx, feed.DefaultPaymentRule, now.Add(91*24*time.Hour)); err != nil || len(ps) != 0 {
		t.Fatalf("91 days later: %+v, %v; want none (expired)", ps, err)
	}

	// Pushes.
	p := feed.Push{Feed: feed.Payments, Destination: "banque", Slot: 42}
	first, err := s.ClaimPush(ctx, p, now)
	if err != nil || !first {
		t.Fatalf("first claim %v, %v", first, err)
	}
	if again, err := s.ClaimPush(ctx, p, now); err != nil || again {
		t.Fatalf("second claim of the same period %v, %v: want refused", again, err)
	}
	if err := s.PushDone(ctx, p, now, ""); err != nil {
		t.Fatal(err)
	}
	p.Slot++
	if next, err := s.ClaimPush(ctx, p, now); err != nil || !next {
		t.Fatalf("next period's claim %v, %v", next, err)
	}
}

// testFeedsSeeEveryWriter: the feeds reload what changed after the latest
// stamp they saw, so every path that approves a request or moves its
// content's gone-since must stamp it: a batch review by the oversight,
// the scheduler's check and an analyst's record, not only the single
// review and SetBlockingGone. A check that sees the same again stamps
// nothing, so that steady checks do not make the feeds reload.
func testFeedsSeeEveryWriter(t *testing.T, s Store) {
	base := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	escalatedFeed(t, s, "b-batch", "https://lot.example/", blocking.StatePending, base)
	escalatedFeed(t, s, "b-checked", "https://verifie.example/", blocking.StateApproved, base)
	changedSince := func(since int64) map[string]feed.Entry {
		t.Helper()
		list, err := s.BlocklistChanges(ctx, since)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]feed.Entry{}
		for _, e := range list {
			out[e.ID] = e
		}
		return out
	}
	mark := func() int64 {
		t.Helper()
		st, err := s.BlocklistStamp(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}

	since := mark()
	time.Sleep(2 * time.Millisecond)
	if done, err := s.ReviewBlockingRequests(ctx, []string{"b-batch"}, blocking.StateApproved, "qp", "lot", base.Add(72*time.Hour)); err != nil || len(done) != 1 {
		t.Fatalf("batch review: %v, %v", done, err)
	}
	if _, ok := changedSince(since)["b-batch"]; !ok {
		t.Error("an approval in a batch is not among the feeds' changes")
	}

	n, err := s.Notice(ctx, "n-b-checked")
	if err != nil {
		t.Fatal(err)
	}
	since = mark()
	time.Sleep(2 * time.Millisecond)
	gone := base.Add(96 * time.Hour)
	n.RemovedAt, n.CheckedAt, n.CheckResult = gone, gone, "404 Not Found"
	if err := s.UpdateNotice(ctx, n); err != nil {
		t.Fatal(err)
	}
	if e, ok := changedSince(since)["b-checked"]; !ok || !e.GoneSince.Equal(gone) {
		t.Errorf("content recorded gone is not among the feeds' changes: %+v (found %v)", e, ok)
	}
	since = mark()
	time.Sleep(2 * time.Millisecond)
	n.CheckedAt = gone.Add(time.Hour)
	if err := s.UpdateNotice(ctx, n); err != nil {
		t.Fatal(err)
	}
	if got := changedSince(since); len(got) != 0 {
		t.Errorf("a check that saw the same stamped %d requests", len(got))
	}
}
