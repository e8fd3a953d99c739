package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/blocking"
	"github.com/vigie-platform/vigie/removal"
)

// testNoticeLifecycle: a notice's lifecycle columns come back as written;
// escalation updates the notice and creates its blocking request at once,
// and only once; a pending request is approved or refused once; the
// oversight's lists filter by state and batch; gone-since is recorded.
func testNoticeLifecycle(t *testing.T, s Store) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	n := removal.Notice{ID: "n-1", CaseID: "case-1", URL: "https://arnaque.example/pay", Host: "abuse@host.example", Kind: "administrative",
		LegalBasis: "LCEN 6-1", SentAt: now, DueAt: now.Add(24 * time.Hour), Status: removal.StatusSent, Actor: "ana",
		Recipient: "abuse@host.example", Category: "fraud.scam", Network: "AS16276 OVH SAS", NextCheckAt: now.Add(15 * time.Minute)}
	if err := s.CreateNotice(ctx, n); err != nil {
		t.Fatal(err)
	}
	got, err := s.Notice(ctx, n.ID)
	if err != nil || !reflect.DeepEqual(got, n) {
		t.Fatalf("notice\n got %+v, %v\nwant %+v", got, err, n)
	}
	n.MailedAt, n.MailError, n.Checks, n.CheckedAt, n.CheckResult = now.Add(time.Second), "", 3, now.Add(time.Hour), "200 OK"
	n.Status, n.NextCheckAt = removal.StatusStillOnline, now.Add(2*time.Hour)
	if err := s.UpdateNotice(ctx, n); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Notice(ctx, n.ID); err != nil || !reflect.DeepEqual(got, n) {
		t.Fatalf("after update\n got %+v, %v\nwant %+v", got, err, n)
	}

	at := now.Add(25 * time.Hour)
	n.Status, n.EscalatedAt = removal.StatusEscalated, at
	req := blocking.Request{ID: "b-1", NoticeID: n.ID, CaseID: n.CaseID, URL: n.URL, Domain: blocking.DomainOf(n.URL), Category: n.Category,
		Reason: "still online after the deadline", RequestedAt: at, Batch: blocking.BatchOf(at), State: blocking.StatePending}
	if err := s.EscalateNotice(ctx, n, req); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Notice(ctx, n.ID); err != nil || got.Status != removal.StatusEscalated || !got.EscalatedAt.Equal(at) {
		t.Fatalf("escalated notice: %+v, %v", got, err)
	}
	if got, err := s.BlockingRequest(ctx, "b-1"); err != nil || !reflect.DeepEqual(got, req) {
		t.Fatalf("request\n got %+v, %v\nwant %+v", got, err, req)
	}
	again := req
	again.ID = "b-2"
	if err := s.EscalateNotice(ctx, n, again); err == nil {
		t.Fatal("a notice escalated twice")
	}
	if _, err := s.BlockingRequest(ctx, "b-2"); !errors.Is(err, blocking.ErrNotFound) {
		t.Fatalf("the second escalation left a request: %v", err)
	}

	// A second notice, escalated the week after, for the lists.
	n2 := n
	n2.ID, n2.EscalatedAt, n2.URL = "n-2", time.Time{}, "https://autre.example/"
	if err := s.CreateNotice(ctx, n2); err != nil {
		t.Fatal(err)
	}
	later := at.Add(7 * 24 * time.Hour)
	n2.EscalatedAt = later
	req2 := blocking.Request{ID: "b-3", NoticeID: "n-2", CaseID: n.CaseID, URL: n2.URL, Domain: "autre.example", Category: "fraud.scam",
		Reason: "r", RequestedAt: later, Batch: blocking.BatchOf(later), State: blocking.StatePending}
	if err := s.EscalateNotice(ctx, n2, req2); err != nil {
		t.Fatal(err)
	}
	if req.Batch == req2.Batch {
		t.Fatalf("a week apart, one batch: %s", req.Batch)
	}
	list, err := s.BlockingRequests(ctx, blocking.Filter{State: blocking.StatePending})
	if err != nil || len(list) != 2 || list[0].ID != "b-1" || list[1].ID != "b-3" {
		t.Fatalf("pending, oldest first: %+v, %v", list, err)
	}
	if list, err := s.BlockingRequests(ctx, blocking.Filter{Batch: req2.Batch}); err != nil || len(list) != 1 || list[0].ID != "b-3" {
		t.Fatalf("one batch: %+v, %v", list, err)
	}

	if err := s.ReviewBlockingRequest(ctx, "b-1", blocking.StateApproved, "qp@arcom.test", "manifestement illicite", later); err != nil {
		t.Fatal(err)
	}
	if err := s.ReviewBlockingRequest(ctx, "b-1", blocking.StateRefused, "qp@arcom.test", "second avis", later); !errors.Is(err, blocking.ErrReviewed) {
		t.Fatalf("reviewed twice: %v", err)
	}
	if err := s.ReviewBlockingRequest(ctx, "b-none", blocking.StateRefused, "qp", "x", later); !errors.Is(err, blocking.ErrNotFound) {
		t.Fatalf("unknown request: %v", err)
	}
	got1, err := s.BlockingRequest(ctx, "b-1")
	if err != nil || got1.State != blocking.StateApproved || got1.ReviewedBy != "qp@arcom.test" || got1.ReviewReason != "manifestement illicite" || !got1.ReviewedAt.Equal(later) {
		t.Fatalf("approved: %+v, %v", got1, err)
	}
	if list, err := s.BlockingRequests(ctx, blocking.Filter{State: blocking.StatePending}); err != nil || len(list) != 1 {
		t.Fatalf("pending after one review: %+v, %v", list, err)
	}
	gone := later.Add(time.Hour)
	if err := s.SetBlockingGone(ctx, n.ID, gone); err != nil {
		t.Fatal(err)
	}
	got1, _ = s.BlockingRequest(ctx, "b-1")
	if !got1.GoneSince.Equal(gone) || !got1.Live(gone.Add(time.Hour), 48*time.Hour) || got1.Live(gone.Add(49*time.Hour), 48*time.Hour) {
		t.Fatalf("gone since: %+v", got1)
	}
	if err := s.SetBlockingGone(ctx, "n-none", gone); !errors.Is(err, blocking.ErrNotFound) {
		t.Fatalf("gone for an unknown notice: %v", err)
	}
}
