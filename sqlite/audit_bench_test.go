package sqlite

import (
	"context"
	"testing"

	"github.com/vigie-platform/vigie/storetest"
)

// BenchmarkAuditAppend: go test -run '^$' -bench BenchmarkAuditAppend ./sqlite/
func BenchmarkAuditAppend(b *testing.B) {
	storetest.BenchAuditAppend(b, func(b *testing.B) storetest.Store {
		db, err := Open(context.Background(), b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		return db
	})
}
