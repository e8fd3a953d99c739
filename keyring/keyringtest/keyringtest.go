// Package keyringtest gives tests a random master key.
package keyringtest

import (
	"crypto/rand"
	"testing"

	"github.com/vigie-platform/vigie/keyring"
)

// Key returns a new random master key, held in memory only.
func Key(t testing.TB) *keyring.LocalKey {
	t.Helper()
	b := make([]byte, keyring.KeySize)
	rand.Read(b)
	k, err := keyring.NewLocalKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
