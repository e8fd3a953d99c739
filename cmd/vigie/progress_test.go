package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	var out bytes.Buffer
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	p := &progress{w: &out, label: "demo", unit: "reports", total: 1_000_000, start: at, now: func() time.Time { return at }, terminal: true}
	at = at.Add(10 * time.Second)
	p.Update(250_000)
	if got := out.String(); !strings.Contains(got, "demo: 250,000 of 1,000,000 reports, 25,000/s, 30s left") || !strings.HasPrefix(got, "\r") {
		t.Errorf("progress line %q", got)
	}
	// At most four lines a second.
	p.Update(250_100)
	if strings.Count(out.String(), "\r") != 1 {
		t.Errorf("progress rewritten too often: %q", out.String())
	}
	p.Done()
	if !strings.HasSuffix(out.String(), "\r\033[K") {
		t.Errorf("the line is not cleared at the end: %q", out.String())
	}

	// Not a terminal (a log, a pipe): nothing.
	var log bytes.Buffer
	q := newProgress(&log, "demo", "reports", 10)
	q.now = func() time.Time { return at.Add(time.Hour) }
	q.Update(5)
	q.Done()
	if log.Len() != 0 {
		t.Errorf("progress written to a non-terminal: %q", log.String())
	}
}

func TestGroupThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -45000: "-45,000"} {
		if got := groupThousands(n); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
}
