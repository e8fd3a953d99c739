package storetest

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/audit"
)

// BenchAuditAppend measures the append rate of the audit trail: each
// AppendAudit is one transaction with its fsync, as an audited read is.
// Serial is one appender; parallel is 8 (on a machine of up to 8 cores), which wait for one another on
// the trail's serial lock. Reported in entries/s.
func BenchAuditAppend(b *testing.B, open func(b *testing.B) Store) {
	for _, par := range []int{1, 8} {
		b.Run(fmt.Sprintf("appenders=%d", par), func(b *testing.B) {
			s := open(b)
			b.Cleanup(func() { s.Close() })
			e := audit.Entry{At: time.Now(), Actor: "ana@vigie.test", Action: "report.view", ObjectType: "report",
				ObjectID: "0195f3a2-7c1e-7b7a-9f1e-3c2d1a0b9e8f", Source: "203.0.113.7", Detail: `{"q":"iban"}`}
			b.SetParallelism(max(1, par/runtime.GOMAXPROCS(0)))
			start := time.Now()
			b.ResetTimer()
			if par == 1 {
				for b.Loop() {
					if _, err := s.AppendAudit(ctx, e); err != nil {
						b.Fatal(err)
					}
				}
			} else {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := s.AppendAudit(ctx, e); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "entries/s")
		})
	}
}
