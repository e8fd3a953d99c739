package workspace

import (
	"context"
	"errors"
	"testing"

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
