package storetest

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/blocking"
	"github.com/vigie-platform/vigie/feed"
	"github.com/vigie-platform/vigie/removal"
)

// Seeder puts n approved blocking requests in a store, in bulk (an
// engine's test writes them with its own SQL: a million requests through
// the notices' escalation would take the benchmark's whole time). Request
// i is https://site<i>.example/page, approved at base + i seconds; one in
// ten has its content confirmed gone an hour before now (still live).
type Seeder func(b *testing.B, n int, base, now time.Time)

// BenchFeeds measures the blocklist at n live entries: an instance's
// first load (every row read, ordered, the zone generated), a generation
// of each format from memory (what each change costs, with the look for
// changes), a download served from the cache (every other download), and
// the freshness of the RPZ zone: from an approval to the zone holding its
// name, with the cache's default check interval.
//
//	go test -run '^$' -bench BenchmarkFeeds -benchtime 3x ./sqlite/
func BenchFeeds(b *testing.B, s Store, n int, seed Seeder) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	seed(b, n, now.Add(-time.Duration(n+10)*time.Second), now)
	opts := feed.Options{Grace: 48 * time.Hour, Zone: "rpz.bench."}
	b.Run("load", func(b *testing.B) {
		cpu := cpuTime()
		defer func() { b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op") }()
		for b.Loop() {
			c := &feed.Cache{Store: s, Options: opts}
			g, err := c.Blocklist(ctx, feed.FormatRPZ)
			if err != nil {
				b.Fatal(err)
			}
			if g.Entries != n {
				b.Fatalf("%d entries served, want %d", g.Entries, n)
			}
		}
	})
	// A change: one request's content confirmed gone, or back online,
	// then a download of each format (the look for changes, the rows
	// changed read, the feed generated from memory).
	cache := &feed.Cache{Store: s, Options: opts, Check: time.Nanosecond}
	if _, err := cache.Blocklist(ctx, feed.FormatRPZ); err != nil {
		b.Fatal(err)
	}
	runtime.GC() // the load's garbage is not a change's cost
	toggle := 0
	for _, format := range []string{feed.FormatRPZ, feed.FormatText, feed.FormatCSV} {
		b.Run("change-"+format, func(b *testing.B) {
			var g feed.Generated
			cpu := cpuTime()
			for b.Loop() {
				toggle++
				gone := time.Time{}
				if toggle%2 == 1 {
					gone = time.Now().Add(-time.Minute)
				}
				if err := s.SetBlockingGone(ctx, "n-bench-0000001", gone); err != nil {
					b.Fatal(err)
				}
				var err error
				if g, err = cache.Blocklist(ctx, format); err != nil {
					b.Fatal(err)
				}
			}
			if g.Entries != n {
				b.Fatalf("%d entries served, want %d", g.Entries, n)
			}
			b.ReportMetric(float64(len(g.Body))/1e6, "MB")
			b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
	cache.Check = 0 // the default, for the rest
	if _, err := cache.Blocklist(ctx, feed.FormatRPZ); err != nil {
		b.Fatal(err)
	}
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			if _, err := cache.Blocklist(ctx, feed.FormatRPZ); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("freshness", func(b *testing.B) {
		var worst, total time.Duration
		i := 0
		for b.Loop() {
			i++
			id := fmt.Sprintf("fresh-%d-%d", time.Now().UnixNano(), i)
			url := "https://" + id + ".example/"
			at := time.Now().UTC()
			notice := removal.Notice{ID: "n-" + id, CaseID: "c-" + id, URL: url, Host: "abuse@h.example", Kind: "administrative", LegalBasis: "LCEN 6-1",
				SentAt: at, DueAt: at, Status: removal.StatusSent, Actor: "ana", Category: "fraud.scam"}
			if err := s.CreateNotice(ctx, notice); err != nil {
				b.Fatal(err)
			}
			notice.Status, notice.EscalatedAt = removal.StatusEscalated, at
			if err := s.EscalateNotice(ctx, notice, blocking.Request{ID: id, NoticeID: notice.ID, CaseID: notice.CaseID, URL: url, Domain: blocking.DomainOf(url),
				Category: "fraud.scam", Reason: "bench", RequestedAt: at, Batch: blocking.BatchOf(at), State: blocking.StatePending}); err != nil {
				b.Fatal(err)
			}
			approved := time.Now()
			if err := s.ReviewBlockingRequest(ctx, id, blocking.StateApproved, "bench", "", approved); err != nil {
				b.Fatal(err)
			}
			for {
				g, err := cache.Blocklist(ctx, feed.FormatRPZ)
				if err != nil {
					b.Fatal(err)
				}
				if bytes.Contains(g.Body, []byte("\n"+id+".example CNAME .")) {
					break
				}
				time.Sleep(50 * time.Millisecond) // a resolver polling hard
			}
			lag := time.Since(approved)
			total += lag
			worst = max(worst, lag)
		}
		b.ReportMetric(total.Seconds()/float64(i), "s/approval")
		b.ReportMetric(worst.Seconds(), "s-worst")
	})
}
