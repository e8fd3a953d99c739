package sqlite

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/blocking"
	"github.com/vigie-platform/vigie/storetest"
)

// benchEntries is VIGIE_BENCH_FEED_ENTRIES, or a million.
func benchEntries() int {
	if n, err := strconv.Atoi(os.Getenv("VIGIE_BENCH_FEED_ENTRIES")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// BenchmarkFeeds: go test -run '^$' -bench BenchmarkFeeds -benchtime 3x ./sqlite/
func BenchmarkFeeds(b *testing.B) {
	db, err := Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storetest.BenchFeeds(b, db, benchEntries(), func(b *testing.B, n int, base, now time.Time) {
		tx, err := db.write.Begin()
		if err != nil {
			b.Fatal(err)
		}
		st, err := tx.Prepare(`INSERT INTO blocking_requests (id, notice_id, case_id, url, domain, category, reason, requested_at, batch, state, reviewed_by, reviewed_at, gone_since, changed_at)
			VALUES (?, ?, ?, ?, ?, 'fraud.scam', 'bench', ?, ?, 'approved', 'bench', ?, ?, ?)`)
		if err != nil {
			b.Fatal(err)
		}
		batch := blocking.BatchOf(base)
		for i := range n {
			at := base.Add(time.Duration(i) * time.Second)
			gone := int64(0)
			if i%10 == 0 {
				gone = now.Add(-time.Hour).UnixMicro()
			}
			id := fmt.Sprintf("bench-%07d", i)
			if _, err := st.Exec(id, "n-"+id, "c-"+id, fmt.Sprintf("https://site%d.example/page", i), fmt.Sprintf("site%d.example", i),
				at.UnixMicro(), batch, at.UnixMicro(), gone, at.UnixMicro()); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	})
}
