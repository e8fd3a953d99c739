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
