package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/blocking"
	"github.com/vigie-platform/vigie/problem"
	"github.com/vigie-platform/vigie/removal"
)

// escalated makes n escalated notices with their pending requests, made
// at the given time (one batch), and returns the requests' ids.
func escalated(t *testing.T, s Store, prefix string, n int, at time.Time) []string {
	t.Helper()
	var ids []string
	for i := range n {
		u := fmt.Sprintf("https://%s-%d.example/page", prefix, i)
		no := removal.Notice{ID: fmt.Sprintf("%s-n%d", prefix, i), CaseID: "case-" + prefix, URL: u, Host: "h", Kind: "administrative",
			SentAt: at.Add(-25 * time.Hour), DueAt: at.Add(-time.Hour), Status: removal.StatusStillOnline}
		if err := s.CreateNotice(ctx, no); err != nil {
			t.Fatal(err)
		}
		no.Status, no.EscalatedAt = removal.StatusEscalated, at.Add(time.Duration(i)*time.Second)
		r := blocking.Request{ID: fmt.Sprintf("%s-r%d", prefix, i), NoticeID: no.ID, CaseID: no.CaseID, URL: u, Domain: blocking.DomainOf(u),
			Category: "terrorism.apology", Reason: "en ligne après l'échéance", RequestedAt: no.EscalatedAt, Batch: blocking.BatchOf(no.EscalatedAt), State: blocking.StatePending}
		if err := s.EscalateNotice(ctx, no, r); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	return ids
}

// testOversight: the oversight's decisions, one at a time and by batch,
// each with its audit entry in the decision's transaction; a request is
// reviewed once; a refusal needs a reason; the weekly batches' counts.
func testOversight(t *testing.T, s Store) {
	week1 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC) // Tuesday of 2026-W48
	week2 := week1.Add(7 * 24 * time.Hour)
	old := escalated(t, s, "old", 3, week1)
	cur := escalated(t, s, "cur", 5, week2)
	now := week2.Add(48 * time.Hour)
	svc := &blocking.Service{Store: s, Now: func() time.Time { return now }}

	if err := svc.Review(ctx, old[0], blocking.StateRefused, "  ", "qp@arcom.test"); !errors.Is(err, problem.New("oversight.reason_required")) {
		t.Fatalf("refused without a reason: %v", err)
	}
	if err := svc.Review(ctx, old[0], "maybe", "x", "qp@arcom.test"); !errors.Is(err, problem.New("oversight.bad_decision")) {
		t.Fatalf("unknown decision: %v", err)
	}
	if r, _ := s.BlockingRequest(ctx, old[0]); r.State != blocking.StatePending {
		t.Fatalf("a refused decision changed the request: %+v", r)
	}
	if err := svc.Review(ctx, old[0], blocking.StateRefused, "contenu licite : citation dans un article de presse", "qp@arcom.test"); err != nil {
		t.Fatal(err)
	}
	if err := svc.Review(ctx, old[0], blocking.StateApproved, "", "qp@arcom.test"); !errors.Is(err, blocking.ErrReviewed) {
		t.Fatalf("a refused request approved after: %v", err)
	}
	if r, _ := s.BlockingRequest(ctx, old[0]); r.State != blocking.StateRefused || r.ReviewedBy != "qp@arcom.test" || !r.ReviewedAt.Equal(now) {
		t.Fatalf("refused request: %+v", r)
	}
	if err := svc.Review(ctx, old[1], blocking.StateApproved, "", "qp@arcom.test"); err != nil {
		t.Fatalf("approval without a reason: %v", err)
	}

	// One decision on several: the first is refused already and one id
	// belongs to the other week; the rest is approved, one entry each.
	got, err := svc.ReviewMany(ctx, blocking.BatchOf(week2), []string{cur[0], cur[1], cur[2], old[2], cur[1]}, blocking.StateApproved, "apologie manifeste", "qp@arcom.test")
	if err != nil || len(got) != 3 {
		t.Fatalf("batch decision: %v, %v", got, err)
	}
	if r, _ := s.BlockingRequest(ctx, old[2]); r.State != blocking.StatePending {
		t.Fatalf("a request of another week decided from this one: %+v", r)
	}
	if _, err := svc.ReviewMany(ctx, blocking.BatchOf(week2), cur[:2], blocking.StateRefused, "non", "qp@arcom.test"); !errors.Is(err, blocking.ErrReviewed) {
		t.Fatalf("a batch decision on requests reviewed already: %v", err)
	}
	if _, err := svc.ReviewMany(ctx, blocking.BatchOf(week2), cur[3:], blocking.StateRefused, "", "qp@arcom.test"); !errors.Is(err, problem.New("oversight.reason_required")) {
		t.Fatalf("a batch refusal without a reason: %v", err)
	}
	for _, id := range append([]string{old[0], old[1]}, cur[:3]...) {
		es, err := s.FindAudit(ctx, audit.Filter{ObjectType: "blocking_request", ObjectID: id, Limit: 10})
		if err != nil || len(es) != 1 || es[0].Actor != "qp@arcom.test" || (es[0].Action != "blocking.approve" && es[0].Action != "blocking.refuse") {
			t.Fatalf("entries of %s: %+v, %v", id, es, err)
		}
	}
	if es, _ := s.FindAudit(ctx, audit.Filter{Action: "blocking.review_batch", Limit: 10}); len(es) != 1 || es[0].ObjectID != blocking.BatchOf(week2) {
		t.Fatalf("batch entries: %+v", es)
	}

	batches, err := s.BlockingBatches(ctx)
	want := []blocking.Batch{
		{Week: blocking.BatchOf(week2), Pending: 2, Approved: 3, OldestPending: week2.Add(3 * time.Second)},
		{Week: blocking.BatchOf(week1), Pending: 1, Approved: 1, Refused: 1, OldestPending: week1.Add(2 * time.Second)},
	}
	if err != nil || !reflect.DeepEqual(batches, want) {
		t.Fatalf("batches\n got %+v, %v\nwant %+v", batches, err, want)
	}
	// Pages of a batch, oldest first.
	p1, _ := s.BlockingRequests(ctx, blocking.Filter{Batch: blocking.BatchOf(week2), Limit: 2})
	p2, _ := s.BlockingRequests(ctx, blocking.Filter{Batch: blocking.BatchOf(week2), Limit: 2, Offset: 2})
	if len(p1) != 2 || len(p2) != 2 || p1[0].ID != cur[0] || p2[0].ID != cur[2] {
		t.Fatalf("pages: %+v %+v", p1, p2)
	}
}
