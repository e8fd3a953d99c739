package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/apitoken"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/postgres"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/sqlite"
)

// store is everything the commands need of a database.
type store interface {
	report.Store
	correlate.Store
	report.BlobStore
	apitoken.Store
	AddVisits(ctx context.Context, day time.Time, n int64) error
	Visits(ctx context.Context, from, to time.Time) (map[string]int64, error)
	Spend(ctx context.Context, signature string, expires time.Time) (bool, error)
	Key(ctx context.Context, name string) ([]byte, error)
	Ping(ctx context.Context) error
	SchemaVersion(ctx context.Context) (int, error)
	Close() error
}

var (
	_ store = (*sqlite.DB)(nil)
	_ store = (*postgres.DB)(nil)
)

// storeFlags are the flags that choose the database, shared by commands.
type storeFlags struct {
	data string
	db   string
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.data, "data", "./vigie-data", "data folder for the embedded SQLite store")
	fs.StringVar(&f.db, "db", "", "PostgreSQL URL (postgres://…); when set, used instead of SQLite")
}

// open opens the chosen store and applies pending migrations.
func (f *storeFlags) open(ctx context.Context) (store, string, error) {
	if f.db != "" {
		if !strings.HasPrefix(f.db, "postgres://") && !strings.HasPrefix(f.db, "postgresql://") {
			return nil, "", fmt.Errorf("--db must be a postgres:// URL")
		}
		db, err := postgres.Open(ctx, f.db)
		return db, "postgres", err
	}
	db, err := sqlite.Open(ctx, f.data)
	return db, "sqlite", err
}
