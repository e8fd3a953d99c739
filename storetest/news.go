package storetest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/news"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/triage"
)

// newsMailer keeps what the news worker sends, or fails while down.
type newsMailer struct {
	mu   sync.Mutex
	down bool
	sent []string // to|subject
}

func (m *newsMailer) SendText(_ context.Context, to, subject, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return errors.New("connection refused")
	}
	m.sent = append(m.sent, to+"|"+subject)
	return nil
}

func (m *newsMailer) take() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.sent
	m.sent = nil
	return out
}

// submitForNews stores a named reporter's report; notify is their consent.
func submitForNews(t *testing.T, s Store, email string, notify bool) report.Acknowledgement {
	t.Helper()
	ack, err := newIntake(s).Submit(ctx, report.Submission{Category: "fraud.scam", Description: "faux site, " + email,
		Name: "Camille Martin", Email: email, Notify: notify, Lang: "en", Channel: report.ChannelWeb})
	if err != nil {
		t.Fatal(err)
	}
	return ack
}

// testNews: a consenting reporter's status changes are queued in the
// change's transaction, once per new status, sent with retries, and
// stop with the subscription or the purge; a reporter who did not
// consent is never written to.
func testNews(t *testing.T, s Store) {
	sub := submitForNews(t, s, "camille@exemple.fr", true)
	time.Sleep(2 * time.Millisecond)
	quiet := submitForNews(t, s, "dominique@exemple.fr", false)
	now := time.Now().UTC().Truncate(time.Microsecond)
	mailer := &newsMailer{}
	subjects := func(n news.Notice, _ news.Links) (string, string) { return string(n.Status) + " " + n.Receipt, "" }
	w := &news.Worker{Store: s, Mailer: mailer, Compose: subjects, MaxAttempts: 3, Now: func() time.Time { return now }}
	run := func(want ...string) {
		t.Helper()
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if got := mailer.take(); !slices.Equal(got, want) {
			t.Fatalf("sent %q, want %q", got, want)
		}
	}
	if ok, err := s.Subscribed(ctx, sub.Receipt); err != nil || !ok {
		t.Fatalf("consenting reporter not subscribed: %v %v", ok, err)
	}
	if ok, err := s.Subscribed(ctx, quiet.Receipt); err != nil || ok {
		t.Fatalf("reporter who did not consent is subscribed: %v %v", ok, err)
	}
	run() // received: nothing to tell

	// Taken by an analyst: "analysing", once, to the subscriber only.
	if _, err := s.Assign(ctx, []string{sub.ID, quiet.ID}, "ana", "ana", now); err != nil {
		t.Fatal(err)
	}
	run("camille@exemple.fr|analysing " + sub.Receipt)
	run()
	// Back to the pool and taken again: no second "analysing".
	if _, err := s.Assign(ctx, []string{sub.ID}, "", "ana", now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Assign(ctx, []string{sub.ID}, "bob", "ana", now); err != nil {
		t.Fatal(err)
	}
	run()

	// Referred, while the SMTP server is down: retried after its backoff.
	c := casefile.Case{ID: "case-news", Title: "Faux site", Status: casefile.StatusQualified, Priority: "normal", CreatedBy: "ana",
		CreatedAt: now, UpdatedAt: now, ReportIDs: []string{sub.ID, quiet.ID}, LegalRefs: []string{}}
	if err := s.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	run() // in a qualified case the reporter still reads "analysing"
	c.Status = casefile.StatusReferred
	if err := s.UpdateCase(ctx, c, casefile.Event{At: now, Actor: "ana", Kind: "status", Detail: "referred"}); err != nil {
		t.Fatal(err)
	}
	mailer.down = true
	run()
	run() // not before its backoff
	mailer.down = false
	now = now.Add(news.Backoff(1) + time.Second)
	run("camille@exemple.fr|referred " + sub.Receipt)
	now = now.Add(24 * time.Hour)
	run() // a message sent is never sent again

	// Two workers never send the same notice.
	c.Status = casefile.StatusClosed
	if err := s.UpdateCase(ctx, c, casefile.Event{At: now, Actor: "ana", Kind: "status", Detail: "closed"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if _, err := w.RunOnce(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := mailer.take(); !slices.Equal(got, []string{"camille@exemple.fr|closed " + sub.Receipt}) {
		t.Fatalf("closing sent %q", got)
	}

	// Unsubscribed: what was queued is dropped, nothing more is queued.
	other := submitForNews(t, s, "eve@exemple.fr", true)
	if _, err := s.Decide(ctx, []string{other.ID}, triage.Decision{State: triage.StateUnfounded, Reason: "rien"}, "ana", now); err != nil {
		t.Fatal(err)
	}
	if stopped, err := s.StopNews(ctx, other.Receipt, now); err != nil || !stopped {
		t.Fatalf("stop: %v %v", stopped, err)
	}
	if stopped, err := s.StopNews(ctx, other.Receipt, now); err != nil || stopped {
		t.Fatalf("stopping twice: %v %v", stopped, err)
	}
	if ok, err := s.Subscribed(ctx, other.Receipt); err != nil || ok {
		t.Fatalf("still subscribed after stopping: %v %v", ok, err)
	}
	run()

	// Purged with a message queued: the message goes with the address.
	last := submitForNews(t, s, "frank@exemple.fr", true)
	if _, err := s.Assign(ctx, []string{last.ID}, "ana", "ana", now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PurgeReports(ctx, []string{last.ID}, now); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Subscribed(ctx, last.Receipt); err != nil || ok {
		t.Fatalf("subscribed after the purge: %v %v", ok, err)
	}
	run()

	// A notice that never goes through ends dead, not retried forever.
	dead := submitForNews(t, s, "gail@exemple.fr", true)
	if _, err := s.Assign(ctx, []string{dead.ID}, "ana", "ana", now); err != nil {
		t.Fatal(err)
	}
	mailer.down = true
	for range 5 {
		run()
		now = now.Add(6*time.Hour + time.Second)
	}
	mailer.down = false
	run()
	if n, err := s.ClaimNews(ctx, now.Add(24*time.Hour), time.Minute, 10); err != nil || len(n) != 0 {
		t.Fatalf("a dead notice was claimed again: %+v %v", n, err)
	}
}
