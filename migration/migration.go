// Package migration applies the schema migrations a store adapter embeds:
// files named NNNN_name.sql, applied in order, once each. The loop is the
// same for every database; what differs (the schema_migrations table, the
// placeholders, a lock across instances) comes in a Dialect.
package migration

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// Step is one migration file.
type Step struct {
	Version int
	Name    string
	SQL     string
}

// List reads every *.sql file of fsys's root, ordered by version.
func List(fsys fs.FS) ([]Step, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	var steps []Step
	seen := map[int]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migrations: %s: name must start with a positive number and an underscore", e.Name())
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations: %s and %s share version %d", prev, e.Name(), v)
		}
		seen[v] = e.Name()
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("migrations: %w", err)
		}
		steps = append(steps, Step{Version: v, Name: e.Name(), SQL: string(b)})
	}
	sort.Slice(steps, func(i, j int) bool { return steps[i].Version < steps[j].Version })
	return steps, nil
}

// Dialect is what differs between databases in applying migrations.
type Dialect struct {
	// Table creates schema_migrations (version, name, applied_at) when
	// missing; the type of applied_at differs.
	Table string
	// Applied counts the rows of one version, given as its one parameter.
	Applied string
	// Record stores an applied step; its parameters are version and name.
	Record string
	// Lock, when set, is taken on the migrating connection before
	// anything else, for databases that several instances share: they
	// then apply each step once, one after the other. It returns what
	// releases the lock.
	Lock func(ctx context.Context, conn *sql.Conn) (unlock func(), err error)
}

// Apply applies, in order, the steps of fsys that db has not recorded.
// Each step and the row that records it commit together, so that a step
// that fails leaves nothing behind and is tried again on the next start.
func Apply(ctx context.Context, db *sql.DB, fsys fs.FS, d Dialect) error {
	steps, err := List(fsys)
	if err != nil {
		return err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	defer conn.Close()
	if d.Lock != nil {
		unlock, err := d.Lock(ctx, conn)
		if err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		defer unlock()
	}
	if _, err := conn.ExecContext(ctx, d.Table); err != nil {
		return fmt.Errorf("migrations table: %w", err)
	}
	for _, s := range steps {
		if err := apply(ctx, conn, s, d); err != nil {
			return fmt.Errorf("migration %s: %w", s.Name, err)
		}
	}
	return nil
}

func apply(ctx context.Context, conn *sql.Conn, s Step, d Dialect) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, d.Applied, s.Version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, s.SQL); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, d.Record, s.Version, s.Name); err != nil {
		return err
	}
	return tx.Commit()
}
