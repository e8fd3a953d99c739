// Package pgtest gives tests a fresh PostgreSQL database of their own.
//
// Set VIGIE_TEST_POSTGRES to a URL whose role may create databases (.ci/run
// starts a throwaway cluster and sets it). Without it the PostgreSQL tests
// are skipped, except under CI, where they fail: CI must never pass by
// testing one store only.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// URL creates an empty database and returns its URL; the database is
// dropped when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("VIGIE_TEST_POSTGRES")
	if admin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("VIGIE_TEST_POSTGRES is not set: CI must run the PostgreSQL tests")
		}
		t.Skip("VIGIE_TEST_POSTGRES not set; skipping PostgreSQL test")
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "vigie_test_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
