package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/blocking"
	"github.com/vigie-platform/vigie/removal"
)

// testNoticeClaims: the scheduler's and the mail worker's claims take only
// what is due, once, across concurrent claimers; a claim's save is refused
// once the notice was changed by someone else; an escalated notice's
// removal time is its blocking request's gone-since; the notices sent in a
// range come back oldest first.
func testNoticeClaims(t *testing.T, s Store) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	mk := func(id string, next, mail time.Time, sent time.Time) removal.Notice {
		n := removal.Notice{ID: id, CaseID: "case-claims", URL: "https://claims.example/" + id, Host: "h", Kind: "notice", LegalBasis: "LCEN 6",
			SentAt: sent, DueAt: sent.Add(72 * time.Hour), Status: removal.StatusSent, Actor: "ana", NextCheckAt: next, MailNextAt: mail, NeverFetch: id == "c-0"}
		if !mail.IsZero() {
			n.Recipient = "abuse@claims.example"
		}
		if err := s.CreateNotice(ctx, n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var due []string
	for i := range 40 {
		id := "c-" + string(rune('0'+i/10)) + string(rune('0'+i%10))
		if i == 0 {
			id = "c-0"
		}
		mk(id, now.Add(-time.Duration(i)*time.Second), now.Add(-time.Minute), now.Add(-time.Duration(i)*time.Hour))
		due = append(due, id)
	}
	mk("later", now.Add(time.Hour), time.Time{}, now)
	mk("done", time.Time{}, time.Time{}, now)

	// Four claimers at once: each due notice is taken once.
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := s.ClaimNoticeChecks(ctx, now, 2*time.Minute, 7)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, n := range got {
					seen[n.ID]++
					if !n.NextCheckAt.Equal(now.Add(2 * time.Minute)) {
						t.Errorf("claimed %s with next check %v", n.ID, n.NextCheckAt)
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != len(due) {
		t.Fatalf("claimed %d notices, %d due: %v", len(seen), len(due), seen)
	}
	for id, k := range seen {
		if k != 1 || id == "later" || id == "done" {
			t.Fatalf("%s claimed %d times", id, k)
		}
	}
	got, err := s.Notice(ctx, "c-0")
	if err != nil || !got.NeverFetch {
		t.Fatalf("never-fetch kept: %+v %v", got, err)
	}
	// Within the lease nothing is taken again; after it, all is.
	if again, err := s.ClaimNoticeChecks(ctx, now.Add(time.Minute), 2*time.Minute, 100); err != nil || len(again) != 0 {
		t.Fatalf("within the lease: %d %v", len(again), err)
	}

	claimed := now.Add(2 * time.Minute)
	n, _ := s.Notice(ctx, "c-01")
	n.Checks, n.CheckedAt, n.CheckResult, n.NextCheckAt, n.Status = 1, now, "200 OK", now.Add(time.Hour), removal.StatusStillOnline
	if err := s.SaveNoticeCheck(ctx, n, claimed); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Notice(ctx, "c-01"); got.Checks != 1 || got.CheckResult != "200 OK" || !got.NextCheckAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("saved check: %+v", got)
	}
	// An analyst records c-02 removed meanwhile: the check is refused.
	rec, _ := s.Notice(ctx, "c-02")
	rec.Status, rec.RemovedAt, rec.NextCheckAt = removal.StatusRemoved, now, time.Time{}
	if err := s.UpdateNotice(ctx, rec); err != nil {
		t.Fatal(err)
	}
	stale := rec
	stale.Status, stale.RemovedAt, stale.NextCheckAt = removal.StatusStillOnline, time.Time{}, now.Add(time.Hour)
	if err := s.SaveNoticeCheck(ctx, stale, claimed); !errors.Is(err, removal.ErrClaimLost) {
		t.Fatalf("a check over an analyst's record: %v", err)
	}
	if got, _ := s.Notice(ctx, "c-02"); got.Status != removal.StatusRemoved {
		t.Fatalf("the analyst's record was overwritten: %s", got.Status)
	}
	// Nor does the stale check escalate it.
	stale.Status, stale.EscalatedAt = removal.StatusEscalated, now
	if err := s.EscalateNotice(ctx, stale, blocking.Request{ID: "b-stale", NoticeID: stale.ID, CaseID: stale.CaseID, URL: stale.URL, Domain: "claims.example",
		Reason: "r", RequestedAt: now, Batch: blocking.BatchOf(now), State: blocking.StatePending}); !errors.Is(err, removal.ErrNotFound) {
		t.Fatalf("a removed notice escalated: %v", err)
	}
	if _, err := s.BlockingRequest(ctx, "b-stale"); !errors.Is(err, blocking.ErrNotFound) {
		t.Fatalf("a removed notice got a blocking request: %v", err)
	}

	// Escalated: removal time and gone-since move together.
	esc, _ := s.Notice(ctx, "c-03")
	mailed := esc
	mailed.MailedAt, mailed.MailNextAt = now, time.Time{}
	if err := s.SaveNoticeMail(ctx, mailed); err != nil { // the mail worker, during the check
		t.Fatal(err)
	}
	esc.Status, esc.EscalatedAt = removal.StatusEscalated, now
	if err := s.EscalateNotice(ctx, esc, blocking.Request{ID: "b-claims", NoticeID: esc.ID, CaseID: esc.CaseID, URL: esc.URL, Domain: "claims.example",
		Reason: "r", RequestedAt: now, Batch: blocking.BatchOf(now), State: blocking.StatePending}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Notice(ctx, "c-03"); !got.MailedAt.Equal(now) {
		t.Fatalf("the escalation undid the mail worker's save: mailed at %v", got.MailedAt)
	}
	esc.RemovedAt, esc.NextCheckAt = now.Add(time.Hour), now.Add(2*time.Hour)
	if err := s.SaveNoticeCheck(ctx, esc, claimed); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.BlockingRequest(ctx, "b-claims"); !r.GoneSince.Equal(now.Add(time.Hour)) {
		t.Fatalf("gone since %v", r.GoneSince)
	}
	esc.RemovedAt = time.Time{}
	if err := s.UpdateNotice(ctx, esc); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.BlockingRequest(ctx, "b-claims"); !r.GoneSince.IsZero() {
		t.Fatalf("back online, gone since %v", r.GoneSince)
	}

	// Mail: due ones (c-03 was mailed above), an attempt counted, the
	// lease hides them.
	mail, err := s.ClaimNoticeMail(ctx, now, time.Minute, 100)
	if err != nil || len(mail) != len(due)-1 || mail[0].MailAttempts != 1 {
		t.Fatalf("mail claim: %d %v", len(mail), err)
	}
	if again, err := s.ClaimNoticeMail(ctx, now.Add(30*time.Second), time.Minute, 100); err != nil || len(again) != 0 {
		t.Fatalf("mail within the lease: %d %v", len(again), err)
	}
	m := mail[0]
	m.MailedAt, m.MailNextAt = now, time.Time{}
	if err := s.SaveNoticeMail(ctx, m); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.ClaimNoticeMail(ctx, now.Add(time.Hour), time.Minute, 100); len(again) != len(due)-2 {
		t.Fatalf("after one was mailed, %d due", len(again))
	}

	sent, err := s.NoticesSent(ctx, now.Add(-10*time.Hour), now)
	if err != nil || len(sent) != 10 || sent[0].ID != "c-10" && sent[0].SentAt.After(sent[1].SentAt) {
		t.Fatalf("sent in 10 hours: %d %v", len(sent), err)
	}
	for i := 1; i < len(sent); i++ {
		if sent[i].SentAt.Before(sent[i-1].SentAt) {
			t.Fatal("not oldest first")
		}
	}
}
