package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// vigieErr runs a command that must fail and returns its error text.
func vigieErr(t *testing.T, env func(string) string, args ...string) string {
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
	if b, _ := os.ReadFile(defaultKey); bytes.Equal(b, oldKey) {
		t.Error("the data folder still holds the old key after the rotation")
	}
	if list := vigie(t, append([]string{"user", "list"}, data...)...); !strings.Contains(list, "k@vigie.test") {
		t.Errorf("after the rotation: %q", list)
	}
	if list := vigie(t, "user", "list", "--data", dir, "--master-key-file", newKey); !strings.Contains(list, "k@vigie.test") {
		t.Errorf("with the new key file: %q", list)
	}
	if msg := vigieErr(t, noEnv, "user", "list", "--data", dir, "--master-key-file", oldCopy); !strings.Contains(msg, "master key") {
		t.Errorf("the old key opened the store: %q", msg)
	}
	// Rotating again to the same key has nothing left to do.
	if again := vigie(t, append([]string{"keys", "rotate", "--new-key-file", newKey}, data...)...); !strings.Contains(again, "0 data keys re-wrapped") {
		t.Errorf("second rotation: %q", again)
	}
	env := func(k string) string { return map[string]string{"VIGIE_DB": "postgres://127.0.0.1:1/none"}[k] }
	if msg := vigieErr(t, env, "user", "list"); !strings.Contains(msg, "needs a master key") {
		t.Errorf("PostgreSQL without a key: %q", msg)
	}
	if msg := vigieErr(t, noEnv, "keys"); !strings.Contains(msg, "no subcommand") {
		t.Errorf("keys without a subcommand: %q", msg)
	}
}
