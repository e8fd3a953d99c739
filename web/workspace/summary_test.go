package workspace

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/taxonomy"
	"github.com/vigie-platform/vigie/triage"
)

func TestQueueCountsAreReusedForAFewSeconds(t *testing.T) {
	var c summaryCache
	calls := 0
	count := func(context.Context) (triage.Summary, error) {
		calls++
		return triage.Summary{Open: int64(calls)}, nil
	}
	for range 3 {
		if v, err := c.get(bg, count); err != nil || v.Open != 1 {
			t.Fatalf("summary %+v %v", v, err)
		}
	}
	if calls != 1 {
		t.Errorf("counted %d times within %s, want once", calls, summaryFresh)
	}
	c.at = c.at.Add(-summaryFresh)
	if v, _ := c.get(bg, count); v.Open != 2 {
		t.Errorf("stale counts reused: %+v", v)
	}
	// A failed count is not kept.
	var fresh summaryCache
	fail := func(context.Context) (triage.Summary, error) { return triage.Summary{}, errors.New("down") }
	if _, err := fresh.get(bg, fail); err == nil {
		t.Fatal("the failure was not said")
	}
	if v, err := fresh.get(bg, count); err != nil || v.Open != 3 {
		t.Errorf("after a failure: %+v %v", v, err)
	}
}

// TestQueueShowsDeadlines: each row says its deadline, a report past it is
// marked late in words (not by colour alone), and the counts say how many
// are late.
func TestQueueShowsDeadlines(t *testing.T) {
	e := newWSEnv(t)
	analyst, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	twoHoursAgo := report.NewIntake(e.DB, e.DB, taxonomy.Default(), []byte("k"), func() time.Time { return time.Now().Add(-2 * time.Hour) })
	if _, err := twoHoursAgo.Submit(bg, report.Submission{Category: "hate.racism", Description: "menace, quelqu'un en danger", Urgent: true,
		Anonymous: true, Channel: report.ChannelAPI, TokenName: "t"}); err != nil {
		t.Fatal(err)
	}
	e.Submit(report.Submission{Description: "une escroquerie arrivée à l'instant"})
	w := e.Do("GET", "/w/queue", e.session(analyst), nil)
	body := w.Body.String()
	if w.Code != 200 {
		t.Fatalf("queue: %d %s", w.Code, body)
	}
	for _, want := range []string{"2 à traiter, dont 1 urgents et 1 en retard", `class="due overdue"`, "en retard de 1 h", "dans 2 j"} {
		if !strings.Contains(body, want) {
			t.Errorf("the queue does not say %q", want)
		}
	}
	if n := strings.Count(body, `class="due overdue"`); n != 1 {
		t.Errorf("%d rows marked late, want 1", n)
	}
}

// TestSupervisorDashboard: the overview counts what waits per category and
// age against the target times, who holds what, and the services late to
// acknowledge a referral.
func TestSupervisorDashboard(t *testing.T) {
	e := newWSEnv(t)
	sup, _ := e.User("sup@vigie.test", account.RoleSupervisor, "")
	twoHoursAgo := report.NewIntake(e.DB, e.DB, taxonomy.Default(), []byte("k"), func() time.Time { return time.Now().Add(-2 * time.Hour) })
	for _, cat := range []string{"terrorism.apology", "terrorism.apology", "fraud.scam"} {
		if _, err := twoHoursAgo.Submit(bg, report.Submission{Category: cat, Description: "ancien", Anonymous: true, Channel: report.ChannelAPI, TokenName: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	fresh := e.Submit(report.Submission{Description: "une escroquerie arrivée à l'instant"})
	if _, err := e.DB.TakeNext(bg, "ana@vigie.test", time.Now()); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Microsecond)
	c := casefile.Case{ID: "case-late", Title: "En retard", Status: casefile.StatusReferred, Priority: "normal", CreatedBy: "ana",
		CreatedAt: now, UpdatedAt: now, ReportIDs: []string{fresh}}
	if err := e.DB.CreateCase(bg, c); err != nil {
		t.Fatal(err)
	}
	if err := e.DB.ReferCase(bg, c, []casefile.Referral{{Destination: "ofac", At: now, Actor: "ana", Status: casefile.ReferralDelivered, DueAt: now.Add(-time.Hour)}}, nil); err != nil {
		t.Fatal(err)
	}

	w := e.Do("GET", "/w/dashboard", e.session(sup), nil)
	body := w.Body.String()
	if w.Code != 200 {
		t.Fatalf("dashboard: %d %s", w.Code, body)
	}
	text := strings.Join(strings.Fields(visibleText(body)), " ")
	for _, want := range []string{
		// two terrorism reports past their hour
		"3 en attente, dont 0 urgents et 2 en retard",
		// waiting, urgent, late, then by age (both between 1 and 24 h), p50, p95 beyond the target, target
		"Apologie ou provocation au terrorisme 2 0 2 0 2 0 0 0 2 h 2 h (dépassé) 1 h",
		"Escroquerie 1 0 0 0 1 0 0 0 2 h 2 h 3 j",
		// ana took the first by deadline: a late terrorism report
		"ana@vigie.test 1 1",
		"0 min à 1 h 1 h à 24 h 24 h à 3 j 3 j à 7 j Plus de 7 j",
		"Office anti-cybercriminalité (OFAC) 1",
		"0 alerte ouverte",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the dashboard does not say %q:\n%s", want, text)
		}
	}
}
