package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vigie-platform/vigie/postgres/pgtest"
	"github.com/vigie-platform/vigie/storage"
)

// TestRefusedIsUnavailable: a server that refuses the connection makes
// Open fail with storage.ErrUnavailable.
func TestRefusedIsUnavailable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there any more: the dial is refused
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = Open(ctx, "postgres://postgres@"+addr+"/vigie?sslmode=disable")
	if !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("open of a refused address: %v, want storage.ErrUnavailable", err)
	}
}

// TestTooManyConnectionsIsUnavailable: a role at its connection limit
// gets SQLSTATE 53300 from the server, which Open reports as
// storage.ErrUnavailable.
func TestTooManyConnectionsIsUnavailable(t *testing.T) {
	target := pgtest.URL(t)
	admin, err := sql.Open("pgx", os.Getenv("VIGIE_TEST_POSTGRES"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	role := "vigie_limited_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE ROLE ` + role + ` LOGIN CONNECTION LIMIT 0`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec(`DROP ROLE IF EXISTS ` + role) })
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	_, err = Open(context.Background(), u.String())
	var pe *pgconn.PgError
	if !errors.Is(err, storage.ErrUnavailable) || !errors.As(err, &pe) || pe.Code != "53300" {
		t.Fatalf("open as a role at its connection limit: %v, want storage.ErrUnavailable with SQLSTATE 53300", err)
	}
}

func TestEngineUnavailable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "57P01"}, true}, // admin_shutdown
		{&pgconn.PgError{Code: "57P03"}, true}, // cannot_connect_now
		{&pgconn.PgError{Code: "08006"}, true}, // connection_failure
		{&pgconn.PgError{Code: "53300"}, true}, // too_many_connections
		{fmt.Errorf("create case: %w", &pgconn.PgError{Code: "08001"}), true},
		{&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, true},
		{&pgconn.PgError{Code: "23505"}, false}, // unique_violation
		{&pgconn.PgError{Code: "28P01"}, false}, // invalid_password: waiting will not help
		{&pgconn.PgError{Code: "53100"}, false}, // disk_full
		{errors.New("relation \"audit_log\" does not exist"), false},
	} {
		if got := (engine{}).Unavailable(tc.err); got != tc.want {
			t.Errorf("Unavailable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
