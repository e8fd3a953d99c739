package storetest

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/vigie-platform/vigie/report"
)

// BenchIntake submits reports carrying a reporter's name, e-mail and phone
// through the intake service into s, from 32 goroutines per CPU so that
// the group committers gather them as under load; with attachments, each
// report also carries a small file of its own (a new attachment, so a new
// data key, every time). It reports reports/s besides ns/op, and the CPU
// time the process (client and store; with PostgreSQL the server's is not
// counted) spent per report, which a loaded machine disturbs less: run it
// on a store with and without a master key for the cost of encryption.
func BenchIntake(b *testing.B, s Store, attachments bool) {
	in := newIntake(s)
	var n atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	cpu := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			sub := sample(int(i))
			sub.Email = fmt.Sprintf("temoin%d@example.fr", i)
			if attachments {
				sub.Attachments = []report.Upload{{Filename: "capture.txt", Content: fmt.Appendf(nil, "capture n°%d du faux site", i)}}
			}
			if _, err := in.Submit(ctx, sub); err != nil {
				b.Error(err)
				return
			}
		}
	})
	cpuPer := float64((cpuTime() - cpu).Microseconds()) / float64(b.N)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
	b.ReportMetric(cpuPer, "cpu-µs/report")
}
