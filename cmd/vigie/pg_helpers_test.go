package main

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-platform/vigie/keyring"
	"github.com/vigie-platform/vigie/postgres/pgtest"
)

func pgURLOrSkip(t *testing.T) string { return pgtest.URL(t) }

// pgStoreArgs names a PostgreSQL store and a master key of the test's own:
// a PostgreSQL store is never opened without one.
func pgStoreArgs(t *testing.T, url string) []string {
	path := filepath.Join(t.TempDir(), "master.key")
	if _, err := keyring.GenerateKeyFile(path); err != nil {
		t.Fatal(err)
	}
	return []string{"--db", url, "--master-key-file", path}
}

// folderKeys is the master key a test's SQLite data folder holds, as
// `vigie serve` made it there; none when it holds none (a store made by
// the test itself, in clear).
func folderKeys(t testing.TB, dir string) []keyring.Wrapper {
	t.Helper()
	k, err := keyring.LoadKeyFile(filepath.Join(dir, "master.key"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return []keyring.Wrapper{k}
}

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
