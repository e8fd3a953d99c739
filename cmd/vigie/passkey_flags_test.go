package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestServePasskeyFlags: serve refuses a public origin or relying party
// id that browsers would not accept for passkeys, and an unknown role to
// require them of, before it opens anything.
func TestServePasskeyFlags(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--public-origin", "http://vigie.example"}, "--public-origin"},
		{[]string{"--public-origin", "https://vigie.example/w/"}, "--public-origin"},
		{[]string{"--public-origin", "vigie.example"}, "--public-origin"},
		{[]string{"--public-origin", "https://vigie.example", "--passkey-rp-id", "other.example"}, "--passkey-rp-id"},
		{[]string{"--require-passkey-for", "admin,nobody"}, "--require-passkey-for"},
	}
	for _, tc := range cases {
		args := append([]string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0"}, tc.args...)
		// A serve that wrongly starts is stopped, and then reported.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := run(ctx, args, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, noEnv)
		cancel()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error about %s", tc.args, err, tc.want)
		}
	}
	// A right configuration starts, and the log names the origin.
	srv := startServer(t, []string{"--data", t.TempDir()}, "--public-origin", "https://ws.vigie.example", "--passkey-rp-id", "vigie.example",
		"--require-passkey-for", "all")
	if !strings.Contains(srv.logs.String(), `"public_origin":"https://ws.vigie.example"`) {
		t.Errorf("the start log does not name the origin:\n%s", srv.logs)
	}
}
