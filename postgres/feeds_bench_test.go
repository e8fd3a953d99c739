package postgres

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/blocking"
	"github.com/vigie-platform/vigie/postgres/pgtest"
	"github.com/vigie-platform/vigie/storetest"
)

// BenchmarkFeeds: go test -run '^$' -bench BenchmarkFeeds -benchtime 3x ./postgres/
// (with VIGIE_TEST_POSTGRES set; VIGIE_BENCH_FEED_ENTRIES, a million by
// default).
func BenchmarkFeeds(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("VIGIE_BENCH_FEED_ENTRIES")); err == nil && v > 0 {
		n = v
	}
	db, err := Open(context.Background(), pgtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storetest.BenchFeeds(b, db, n, func(b *testing.B, n int, base, now time.Time) {
		// One statement: the server makes the rows.
		_, err := db.db.Exec(`INSERT INTO blocking_requests (id, notice_id, case_id, url, domain, category, reason, requested_at, batch, state,
			reviewed_by, reviewed_at, gone_since, changed_at)
			SELECT 'bench-' || lpad(i::text, 7, '0'), 'n-bench-' || lpad(i::text, 7, '0'), 'c-' || i, 'https://site' || i || '.example/page',
				'site' || i || '.example', 'fraud.scam', 'bench', $1::bigint + i * 1000000::bigint, $2, 'approved', 'bench', $1::bigint + i * 1000000::bigint,
				CASE WHEN i % 10 = 0 THEN $3::bigint ELSE 0 END, $1::bigint + i * 1000000::bigint
			FROM generate_series(0, $4::int - 1) AS i`, base.UnixMicro(), blocking.BatchOf(base), now.Add(-time.Hour).UnixMicro(), n)
		if err != nil {
			b.Fatal(err)
		}
	})
}
