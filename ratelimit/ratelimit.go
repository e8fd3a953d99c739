// Package ratelimit is a keyed token-bucket limiter kept in memory.
//
// Each instance limits on its own: with N instances behind a balancer the
// effective ceiling is up to N times the configured rate, which is the
// usual trade for needing no shared state on every request.
package ratelimit

import (
	"math"
	"sync"
	"time"
)

// Limit is a sustained rate and a burst.
type Limit struct {
	PerSecond float64
	Burst     float64
}

// PerMinute builds a limit of n per minute with a burst of burst.
func PerMinute(n, burst float64) Limit { return Limit{PerSecond: n / 60, Burst: burst} }

// Unlimited reports whether the limit lets everything through.
func (l Limit) Unlimited() bool { return l.PerSecond <= 0 }

type bucket struct {
	tokens float64
	last   time.Time
	// refill is how long this bucket's own limit takes to fill it from
	// empty: keys of different scopes (logins, tokens) share the map, and
	// each bucket may be dropped only once its own limit has refilled it.
	refill time.Duration
}

// Limiter holds one bucket per key.
type Limiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	now     func() time.Time
	sweep   time.Time
}

// New makes a limiter.
func New(now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{buckets: map[string]*bucket{}, now: now}
}

// Allow takes one token from key's bucket. When none is left it says how
// long until one is.
func (l *Limiter) Allow(key string, lim Limit) (bool, time.Duration) {
	if lim.Unlimited() {
		return true, 0
	}
	burst := math.Max(lim.Burst, 1)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.sweep) > time.Minute {
		l.sweepLocked(now)
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(burst, b.tokens+now.Sub(b.last).Seconds()*lim.PerSecond)
	b.last = now
	b.refill = time.Duration(burst / lim.PerSecond * float64(time.Second))
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / lim.PerSecond * float64(time.Second))
	return false, wait
}

// Forget drops key's bucket: what was counted no longer counts (a sign-in
// that succeeded after failures).
func (l *Limiter) Forget(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.buckets, key)
}

// Charge takes n more tokens from key's bucket, after the request was let
// through by Allow, for work whose size is known only then (the reports
// of a batch). The bucket may go below zero: the debt delays the key's
// next requests for as long as the work would have taken at the limit's
// rate, so that a large batch is never refused for its size alone.
func (l *Limiter) Charge(key string, lim Limit, n float64) {
	if lim.Unlimited() || n <= 0 {
		return
	}
	burst := math.Max(lim.Burst, 1)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(burst, b.tokens+now.Sub(b.last).Seconds()*lim.PerSecond) - n
	b.last = now
	// The debt is part of the bucket's refill time: a sweep must not
	// forgive it.
	b.refill = time.Duration((burst - b.tokens) / lim.PerSecond * float64(time.Second))
}

// sweepLocked drops buckets idle long enough to be full again under their
// own limit (dropping one is then the same as keeping it), so that a flood
// of distinct keys cannot grow the map without bound.
func (l *Limiter) sweepLocked(now time.Time) {
	l.sweep = now
	for k, b := range l.buckets {
		if now.Sub(b.last) > b.refill {
			delete(l.buckets, k)
		}
	}
}
