package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/postgres"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/sqlite"
	"github.com/vigie-platform/vigie/storage"
	"github.com/vigie-platform/vigie/taxonomy"
)

// store is everything the commands need of a database.
type store = storage.Store

var (
	_ store = (*sqlite.DB)(nil)
	_ store = (*postgres.DB)(nil)
)

// newIntake builds the intake service on db, with the installation's
// follow-up key. now is nil for the real clock.
func newIntake(ctx context.Context, db store, tax *taxonomy.Taxonomy, now func() time.Time) (*report.Intake, error) {
	key, err := db.Key(ctx, "follow-up")
	if err != nil {
		return nil, err
	}
	return report.NewIntake(db, db, tax, key, now), nil
}

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

// scratchIfUnset points a benchmark at a temporary SQLite folder when no
// store was named, and returns what removes it.
func (f *storeFlags) scratchIfUnset(prefix string) (func(), error) {
	if f.db != "" || f.data != "" {
		return func() {}, nil
	}
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return nil, err
	}
	f.data = dir
	return func() { os.RemoveAll(dir) }, nil
}
