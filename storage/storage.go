// Package storage names the whole contract a database adapter fulfils:
// every domain store, plus the operations the platform needs of it. The
// SQLite and PostgreSQL adapters implement it, the commands use it, and
// storetest checks it.
package storage

import (
	"context"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/alert"
	"github.com/vigie-platform/vigie/apitoken"
	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/bank"
	"github.com/vigie-platform/vigie/blocking"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/delivery"
	"github.com/vigie-platform/vigie/feed"
	"github.com/vigie-platform/vigie/hosting"
	"github.com/vigie-platform/vigie/news"
	"github.com/vigie-platform/vigie/removal"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/retention"
	"github.com/vigie-platform/vigie/search"
	"github.com/vigie-platform/vigie/stats"
	"github.com/vigie-platform/vigie/triage"
	"github.com/vigie-platform/vigie/visit"
	"github.com/vigie-platform/vigie/wave"
)

// Store is one database holding everything.
type Store interface {
	report.Store
	report.BlobStore
	correlate.Store
	apitoken.Store
	audit.TreeStore
	audit.Reader
	visit.Store
	account.Store
	triage.Store
	casefile.Store
	search.Store
	search.Indexer
	delivery.Store
	news.Store
	stats.Store
	retention.Purger
	removal.Store
	alert.Store
	// Banks of known content and the matching of media (issue 14).
	bank.Store
	// Waves: reports handled as one (issue 12, part 4).
	wave.Store
	// Hosting traces of cases (issue 15).
	hosting.Store
	// Blocking and delisting requests, reviewed by the oversight (issue 15).
	blocking.OversightStore
	// The disruption feeds' reads and their pushes (issue 15, part 4).
	feed.Store
	// Spend records a proof-of-work solution as used (altcha.SpentStore).
	Spend(ctx context.Context, signature string, expires time.Time) (bool, error)
	// Key returns a named server key, made at random on first use and shared
	// by every instance through the database (HMAC keys for proof of work and
	// follow-up secrets).
	Key(ctx context.Context, name string) ([]byte, error)
	Ping(ctx context.Context) error
	IntegrityCheck(ctx context.Context) error
	SchemaVersion(ctx context.Context) (int, error)
	Close() error
}
