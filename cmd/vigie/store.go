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

// storeFlagSet starts a command's flag set with the store flags on it.
func storeFlagSet(name string) (*flag.FlagSet, *storeFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	sf := new(storeFlags)
	sf.register(fs)
	return fs, sf
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

// parseAndOpen parses args and opens the store, for the commands that
// check nothing before; the caller closes the store.
func (f *storeFlags) parseAndOpen(ctx context.Context, e env, fs *flag.FlagSet, args []string) (store, string, error) {
	if err := parseFlags(fs, e, args); err != nil {
		return nil, "", err
	}
	return f.open(ctx)
}

// openScratch parses a benchmark's args and opens its store: a temporary
// SQLite folder when they name none (benchmarks blank the data folder's
// default). The caller closes the store, then calls remove.
func (f *storeFlags) openScratch(ctx context.Context, e env, fs *flag.FlagSet, args []string, prefix string) (db store, kind string, remove func(), err error) {
	if err := parseFlags(fs, e, args); err != nil {
		return nil, "", nil, err
	}
	remove = func() {}
	if f.db == "" && f.data == "" {
		dir, err := os.MkdirTemp("", prefix)
		if err != nil {
			return nil, "", nil, err
		}
		f.data = dir
		remove = func() { os.RemoveAll(dir) }
	}
	if db, kind, err = f.open(ctx); err != nil {
		remove()
		return nil, "", nil, err
	}
	return db, kind, remove, nil
}

// args are the flags that name the same store to another command.
func (f *storeFlags) args() []string {
	if f.db != "" {
		return []string{"--db", f.db}
	}
	return []string{"--data", f.data}
}
