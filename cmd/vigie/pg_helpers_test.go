package main

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/vigie-platform/vigie/postgres/pgtest"
)

func pgURLOrSkip(t *testing.T) string { return pgtest.URL(t) }

// dropDatabase removes a test database under a running server.
func dropDatabase(t *testing.T, dbURL string) {
	u, _ := url.Parse(dbURL)
	name := strings.TrimPrefix(u.Path, "/")
	db, err := sql.Open("pgx", os.Getenv("VIGIE_TEST_POSTGRES"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), `DROP DATABASE `+name+` WITH (FORCE)`); err != nil {
		t.Fatal(err)
	}
}
