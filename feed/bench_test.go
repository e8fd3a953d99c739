//go:build unix

package feed

import (
	"fmt"
	"syscall"
	"testing"
	"time"
)

// BenchmarkZoneFromMemory: what a change of the approved requests costs an
// instance at a million live entries, the database aside (storetest's
// BenchFeeds measures it with the store: go test -bench BenchmarkFeeds
// ./sqlite/): the changed row applied, then the RPZ zone generated.
//
//	go test -run '^$' -bench BenchmarkZoneFromMemory -benchtime 5x ./feed/
func BenchmarkZoneFromMemory(b *testing.B) {
	const n = 1_000_000
	s := &memStore{entries: make([]Entry, n)}
	for i := range s.entries {
		u := fmt.Sprintf("https://site%d.example/page", i)
		s.entries[i] = Entry{ID: fmt.Sprintf("r%07d", i), URL: u, Domain: fmt.Sprintf("site%d.example", i), Category: "fraud.scam",
			ApprovedAt: t0.Add(time.Duration(i) * time.Second), Changed: 1e12}
	}
	now := t0.Add(n * time.Second)
	c := &Cache{Store: s, Options: opts, Check: time.Nanosecond, Reload: 1000 * time.Hour, Now: func() time.Time { now = now.Add(time.Millisecond); return now }}
	if _, err := c.Blocklist(bg, FormatRPZ); err != nil {
		b.Fatal(err)
	}
	for _, format := range []string{FormatRPZ, FormatText, FormatCSV} {
		b.Run(format, func(b *testing.B) {
			var g Generated
			i := 0
			cpu := cpuTime()
			for b.Loop() {
				i++
				s.change(1, func(e *Entry) {
					if i%2 == 1 {
						e.GoneSince = now
					} else {
						e.GoneSince = time.Time{}
					}
				})
				var err error
				if g, err = c.Blocklist(bg, format); err != nil {
					b.Fatal(err)
				}
			}
			if g.Entries != n {
				b.Fatalf("%d entries", g.Entries)
			}
			b.ReportMetric(float64(len(g.Body))/1e6, "MB")
			b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}

// cpuTime is the CPU time this process used: on a loaded machine, the
// cost a benchmark's wall-clock time overstates.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
