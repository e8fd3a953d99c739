package main

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/sqlite"
)

// mustFailWith runs a command that must fail and returns its error text.
func mustFailWith(t *testing.T, env func(string) string, args ...string) string {
	t.Helper()
	err := run(context.Background(), args, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, env)
	if err == nil {
		t.Fatalf("vigie %v succeeded", args)
	}
	return err.Error()
}

// TestKeysCommand: the embedded store makes its master key on the first
// start (0600, beside the database); `vigie keys rotate` re-wraps every
// data key under a new key, after which only the new key opens the store
// and the accounts read as before; a PostgreSQL store without a key is
// refused, and so is a wrong key.
func TestKeysCommand(t *testing.T) {
	dir := t.TempDir()
	data := []string{"--data", dir}
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"user", "add", "--email", "k@vigie.test", "--role", "analyst", "--password-stdin"}, data...),
		strings.NewReader("une phrase de passe assez longue\n"), &out, &errOut, noEnv)
	if err != nil {
		t.Fatalf("user add: %v %s", err, errOut.String())
	}
	defaultKey := filepath.Join(dir, "master.key")
	info, err := os.Stat(defaultKey)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("master key made on the first start: %v %v", info, err)
	}
	oldKey, err := os.ReadFile(defaultKey)
	if err != nil {
		t.Fatal(err)
	}
	oldCopy := filepath.Join(t.TempDir(), "old.key")
	if err := os.WriteFile(oldCopy, oldKey, 0o600); err != nil {
		t.Fatal(err)
	}
	status := vigie(t, append([]string{"keys", "status"}, data...)...)
	if !strings.Contains(status, "wraps 1 data keys") {
		t.Fatalf("status: %q", status)
	}

	newKey := filepath.Join(t.TempDir(), "new.key")
	rotated := vigie(t, append([]string{"keys", "rotate", "--new-key-file", newKey}, data...)...)
	if !strings.Contains(rotated, "1 data keys re-wrapped") {
		t.Fatalf("rotate: %q", rotated)
	}
	if trail := vigie(t, append([]string{"audit", "verify"}, data...)...); !strings.Contains(trail, "intact") {
		t.Errorf("audit after the rotation: %q", trail)
	}
	db, err := sqlite.Open(context.Background(), dir, folderKeys(t, dir)...)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := db.FindAudit(context.Background(), audit.Filter{Action: "keys.rotate", Limit: 10})
	db.Close()
	if err != nil || len(entries) != 1 || entries[0].Source != "cli" {
		t.Errorf("the rotation's audit entry: %+v %v", entries, err)
	}
	if b, _ := os.ReadFile(defaultKey); bytes.Equal(b, oldKey) {
		t.Error("the data folder still holds the old key after the rotation")
	}
	if list := vigie(t, append([]string{"user", "list"}, data...)...); !strings.Contains(list, "k@vigie.test") {
		t.Errorf("after the rotation: %q", list)
	}
	if list := vigie(t, "user", "list", "--data", dir, "--master-key-file", newKey); !strings.Contains(list, "k@vigie.test") {
		t.Errorf("with the new key file: %q", list)
	}
	if msg := mustFailWith(t, noEnv, "user", "list", "--data", dir, "--master-key-file", oldCopy); !strings.Contains(msg, "master key") {
		t.Errorf("the old key opened the store: %q", msg)
	}
	// Rotating again to the same key has nothing left to do.
	if again := vigie(t, append([]string{"keys", "rotate", "--new-key-file", newKey}, data...)...); !strings.Contains(again, "0 data keys re-wrapped") {
		t.Errorf("second rotation: %q", again)
	}
	env := func(k string) string { return map[string]string{"VIGIE_DB": "postgres://127.0.0.1:1/none"}[k] }
	if msg := mustFailWith(t, env, "user", "list"); !strings.Contains(msg, "needs a master key") {
		t.Errorf("PostgreSQL without a key: %q", msg)
	}
	if msg := mustFailWith(t, noEnv, "keys"); !strings.Contains(msg, "no subcommand") {
		t.Errorf("keys without a subcommand: %q", msg)
	}
}

// TestServeKeepsSecretsSealed: a newcomer's `vigie serve` (no key given)
// encrypts: after a report with a reporter's name, e-mail and phone went
// through the API and an account was made with its TOTP seed, no file of
// the data folder but the master key holds any of them, in any of the
// forms checked. This catches a product that stops giving the store its
// key (the store-level test, sqlite.TestRawBytesHoldNoSecret, covers
// every encoding and the control run in clear).
func TestServeKeepsSecretsSealed(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, []string{"--data", dir})
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"user", "add", "--email", "seed@vigie.test", "--role", "analyst", "--password-stdin", "--data", dir},
		strings.NewReader("une phrase de passe assez longue\n"), &out, &errOut, noEnv); err != nil {
		t.Fatalf("user add: %v %s", err, errOut.String())
	}
	m := regexp.MustCompile(`^([A-Z2-7]{16,})\n$`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no TOTP secret in %q", out.String())
	}
	seed := m[1]
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(seed)
	if err != nil {
		t.Fatal(err)
	}
	tok := srv.token("sealed")
	payload := `{"category":"fraud.scam","description":"Faux site de vente","urls":["https://boutique.example.fr/p"],
		"reporter":{"name":"Honorine Kervella-Dubois","email":"Honorine.Kervella@exemple-temoin.fr","phone":"06 48 27 19 53"}}`
	if res := srv.do("POST", "/api/v1/reports", "application/json", strings.NewReader(payload), bearer(tok)); res.status != 201 {
		t.Fatalf("report: %d %s", res.status, res.body)
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	needles := []string{"Honorine Kervella-Dubois", "Kervella", "honorine.kervella@exemple-temoin.fr", "Honorine.Kervella@exemple-temoin.fr",
		"06 48 27 19 53", "0648271953", "+33648271953", seed, strings.ToLower(seed), string(raw), hex.EncodeToString(raw), base64.StdEncoding.EncodeToString(raw)}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "master.key" {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, n := range needles {
			if bytes.Contains(b, []byte(n)) {
				t.Errorf("%q found in %s", n, path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
