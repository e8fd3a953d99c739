// Package keyring gives the server keys that every instance must share
// (HMAC keys for proof-of-work challenges and follow-up secrets). They are
// made at random on first use and kept in the database, so that several
// stateless instances agree without any configuration.
package keyring

import "context"

// Keyring returns the named key, creating it the first time. Two instances
// asking at once get the same key.
type Keyring interface {
	Key(ctx context.Context, name string) ([]byte, error)
}
