package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-platform/vigie/keyring"
	"github.com/vigie-platform/vigie/sqlite"
)

// TestBrowserPasskey runs e2e/passkey.mjs: a supervisor, whose role must
// sign in with a passkey (--require-passkey-for), registers one with
// Chromium's virtual authenticator (DevTools protocol, WebAuthn domain)
// and signs in with it, under the workspace's real CSP. The origin is
// localhost, the only plain-HTTP host where browsers allow passkeys.
func TestBrowserPasskey(t *testing.T) {
	e2e, chromium := browserPrerequisites(t)
	data := t.TempDir()
	srv := startServer(t, []string{"--data", data}, "--require-passkey-for", "admin,supervisor")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"user", "add", "--data", data, "--email", "sup@vigie.test", "--role", "supervisor", "--password-stdin"},
		strings.NewReader("correct horse battery staple\n"), &out, &bytes.Buffer{}, noEnv); err != nil {
		t.Fatal(err)
	}
	base := strings.Replace(srv.base, "127.0.0.1", "localhost", 1)
	node(t, e2e, chromium, "passkey.mjs", base, "sup@vigie.test", "correct horse battery staple", strings.TrimSpace(out.String()))

	// The server kept the passkey, and its counter moved with the sign-in.
	master, err := keyring.LoadKeyFile(filepath.Join(data, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), data, master)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.UserByEmail(context.Background(), "sup@vigie.test")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := db.UserPasskeys(context.Background(), u.ID)
	if err != nil || len(keys) != 1 || keys[0].LastUsedAt.IsZero() || keys[0].Name != "Clé virtuelle <b>1</b>" {
		t.Fatalf("stored passkeys: %+v %v", keys, err)
	}
}
