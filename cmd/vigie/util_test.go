package main

import (
	"bufio"
	"context"
	"io"
	"strconv"
	"testing"

	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/sqlite"
)

func itoa(n int) string { return strconv.Itoa(n) }

func bufioReader(r io.Reader) *bufio.Reader { return bufio.NewReader(r) }

// storedReport opens a stopped server's SQLite folder and reads one report.
func storedReport(t *testing.T, dir, id string) (*sqlite.DB, report.Report) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), dir, folderKeys(t, dir)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r, err := db.ReportByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return db, r
}
