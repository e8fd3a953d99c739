//go:build unix

package feed

import (
	"fmt"
	"syscall"
	"testing"
	"time"
)

// BenchmarkZoneFromMemory: the generation of each format at a million live
// entries from an instance's memory (Cache's entries, names computed at
// load): what a change of the approved requests costs, the database aside
// (storetest's BenchFeeds measures it with the store, the look for
// changes included: go test -bench BenchmarkFeeds ./sqlite/).
//
//	go test -run '^$' -bench BenchmarkZoneFromMemory -benchtime 5x ./feed/
func BenchmarkZoneFromMemory(b *testing.B) {
	const n = 1_000_000
	s := &memStore{entries: make([]Entry, n)}
	for i := range s.entries {
		u := fmt.Sprintf("https://site%d.example/page", i)
		s.entries[i] = Entry{ID: fmt.Sprintf("r%07d", i), URL: u, Domain: fmt.Sprintf("site%d.example", i), Category: "fraud.scam",
			ApprovedAt: t0.Add(time.Duration(i) * time.Second), Changed: 1e12}
		if i%10 == 0 {
			s.entries[i].GoneSince = t0.Add(n * time.Second)
		}
	}
	now := t0.Add(n * time.Second)
	c := &Cache{Store: s, Options: opts, Now: func() time.Time { return now }}
	if _, err := c.Blocklist(bg, FormatRPZ); err != nil {
		b.Fatal(err)
	}
	s.entries = nil
	each := func(fn func(*Entry) error) error {
		for i := range c.order {
			if err := fn(&c.order[i]); err != nil {
				return err
			}
		}
		return nil
	}
	for _, format := range []string{FormatRPZ, FormatText, FormatCSV} {
		b.Run(format, func(b *testing.B) {
			var g Generated
			cpu := cpuTime()
			for b.Loop() {
				var err error
				if g, err = generate(each, len(c.order), len(c.names), format, now, c.Options); err != nil {
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
