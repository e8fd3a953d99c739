package postgres

import (
	"context"
	"testing"

	"github.com/vigie-platform/vigie/postgres/pgtest"
	"github.com/vigie-platform/vigie/storetest"
)

// BenchmarkAuditAppend: go test -run '^$' -bench BenchmarkAuditAppend ./postgres/
// (with VIGIE_TEST_POSTGRES set).
func BenchmarkAuditAppend(b *testing.B) {
	storetest.BenchAuditAppend(b, func(b *testing.B) storetest.Store {
		db, err := Open(context.Background(), pgtest.URL(b))
		if err != nil {
			b.Fatal(err)
		}
		return db
	})
}
