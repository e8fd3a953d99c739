package export

import (
	"fmt"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/indicator"
)

// caseWith makes a case of n identifiers of every type, in equal shares.
func caseWith(n int) Case {
	c := sample()
	at := c.Case.CreatedAt
	c.Identifiers = c.Identifiers[:0]
	for i := range n {
		typ := indicator.Types[i%len(indicator.Types)]
		v := fmt.Sprintf("value-%d", i)
		switch typ {
		case indicator.URL:
			v = fmt.Sprintf(`https://faux-%d.example/p\a"th é?q=%d`, i, i)
		case indicator.IP:
			v = fmt.Sprintf("198.51.%d.%d", i/256%256, i%256)
		}
		c.Identifiers = append(c.Identifiers, correlate.Info{Type: typ, Value: v, Count: int64(i%7 + 1), FirstSeen: at, LastSeen: at.Add(time.Duration(i) * time.Minute)})
	}
	return c
}

// BenchmarkExport1000: a case with 1,000 identifiers exported as STIX and
// as MISP (go test -bench Export1000 ./export/).
func BenchmarkExport1000(b *testing.B) {
	c := caseWith(1000)
	for name, export := range map[string]func(Case) ([]byte, error){"stix": STIX, "misp": MISP, "csv": CSV} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var size int
			for b.Loop() {
				out, err := export(c)
				if err != nil {
					b.Fatal(err)
				}
				size = len(out)
			}
			b.ReportMetric(float64(size), "bytes/export")
		})
	}
}
