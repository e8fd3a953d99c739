package ratelimit

import (
	"testing"
	"time"
)

func TestAllow(t *testing.T) {
	now := time.Unix(0, 0)
	l := New(func() time.Time { return now })
	lim := PerMinute(60, 3) // one a second, burst of three
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("a", lim); !ok {
			t.Fatalf("request %d within burst refused", i)
		}
	}
	ok, wait := l.Allow("a", lim)
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("past burst: ok=%v wait=%v", ok, wait)
	}
	if ok, _ := l.Allow("b", lim); !ok {
		t.Fatal("another key shares the bucket")
	}
	now = now.Add(time.Second)
	if ok, _ := l.Allow("a", lim); !ok {
		t.Fatal("token not refilled after a second")
	}
	if ok, _ := l.Allow("x", Limit{}); !ok {
		t.Fatal("unlimited refused")
	}
}

func TestSweepBoundsMemory(t *testing.T) {
	now := time.Unix(0, 0)
	l := New(func() time.Time { return now })
	lim := PerMinute(60, 1)
	for i := 0; i < 1000; i++ {
		l.Allow(string(rune(i)), lim)
	}
	now = now.Add(2 * time.Minute)
	l.Allow("fresh", lim)
	if len(l.buckets) != 1 {
		t.Fatalf("%d buckets kept after sweep", len(l.buckets))
	}
}

// A sweep run by a fast scope (API tokens, refilled in a second) must not
// drop a slow scope's bucket (logins, refilled in ten minutes) that is
// still short of tokens: that would hand the slow key a full burst again.
func TestSweepKeepsSlowBucketsThatAreNotFull(t *testing.T) {
	at := time.Unix(1_000_000, 0)
	l := New(func() time.Time { return at })
	login := PerMinute(1, 10)
	token := Limit{PerSecond: 50, Burst: 50}
	for i := 0; i < 10; i++ {
		if ok, _ := l.Allow("login:192.0.2.1", login); !ok {
			t.Fatalf("login %d refused within the burst", i+1)
		}
	}
	at = at.Add(70 * time.Second) // past the minute between sweeps
	if ok, _ := l.Allow("token:hotline", token); !ok {
		t.Fatal("token refused")
	}
	at = at.Add(time.Second)
	allowed := 0
	for i := 0; i < 10; i++ {
		if ok, _ := l.Allow("login:192.0.2.1", login); ok {
			allowed++
		}
	}
	// 71 s at one a minute gives back one token, not ten.
	if allowed != 1 {
		t.Fatalf("%d logins allowed after the fast scope's sweep, want 1", allowed)
	}
}

// Charge puts the key in debt: work whose size is known after the request
// was let through delays the key's next requests as long as it would have
// taken at the limit's rate, and a sweep does not forgive the debt.
func TestChargeDelaysTheNextRequests(t *testing.T) {
	at := time.Unix(2_000_000, 0)
	l := New(func() time.Time { return at })
	lim := Limit{PerSecond: 1, Burst: 1}
	if ok, _ := l.Allow("token:t", lim); !ok {
		t.Fatal("first request refused")
	}
	l.Charge("token:t", lim, 49) // a batch of 50 reports
	ok, wait := l.Allow("token:t", lim)
	if ok || wait < 49*time.Second || wait > 51*time.Second {
		t.Fatalf("after a batch of 50 at 1/s: allowed %v, wait %v, want refused for about 50 s", ok, wait)
	}
	l.Charge("token:t", lim, 150) // another 150: 200 s of work in all
	at = at.Add(90 * time.Second) // past the minute between sweeps
	l.Allow("other", lim)
	at = at.Add(time.Second)
	if ok, _ := l.Allow("token:t", lim); ok {
		t.Fatal("the sweep forgave the batches' debt")
	}
}
