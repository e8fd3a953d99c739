package workspace

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/account"
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
