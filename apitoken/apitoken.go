// Package apitoken manages the bearer tokens that companies, platforms and
// hotlines use on the reporting API.
package apitoken

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Scopes a token may carry.
const (
	ScopeReportsWrite = "reports:write"
	// ScopeIndicatorsRead lets analysts' tools query the cross-referencing
	// index until analyst accounts exist.
	ScopeIndicatorsRead = "indicators:read"
	// ScopeFeedsRead lets ISPs, banks and threat intelligence platforms
	// download the disruption feeds (blocklist, payment identifiers, TAXII).
	ScopeFeedsRead = "feeds:read"
)

// KnownScopes lists every scope, for validation and help texts.
var KnownScopes = []string{ScopeReportsWrite, ScopeIndicatorsRead, ScopeFeedsRead}

// Token is a stored token: only the hash of its secret is kept.
type Token struct {
	ID        int64
	Name      string
	Hash      []byte
	Scopes    []string
	Rate      float64 // reports (or reads) per second, a batch counting each of its reports; 0 means no limit
	CreatedAt time.Time
	RevokedAt *time.Time
}

// Has reports whether the token carries scope.
func (t Token) Has(scope string) bool { return slices.Contains(t.Scopes, scope) }

// Errors of the token store.
var (
	ErrNotFound  = errors.New("token not found")
	ErrNameTaken = errors.New("a token with this name exists")
)

// Store keeps tokens.
type Store interface {
	CreateToken(ctx context.Context, t Token) (Token, error)
	TokenByHash(ctx context.Context, hash []byte) (Token, error)
	ListTokens(ctx context.Context) ([]Token, error)
	RevokeToken(ctx context.Context, name string, at time.Time) error
}

const prefix = "vgt_"

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidateName says what is wrong with a token name, if anything.
func ValidateName(name string) error {
	if !namePattern.MatchString(name) {
		return fmt.Errorf("token name %q: use 1 to 64 letters, digits, dots, dashes or underscores", name)
	}
	return nil
}

// New makes a token secret and its hash. The secret is shown once.
func New() (secret string, hash []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("apitoken: no randomness: " + err.Error())
	}
	secret = prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	return secret, Hash(secret)
}

// Hash returns the digest under which a token secret is stored. Secrets
// carry 256 random bits, so a fast hash is safe and keeps lookups cheap.
func Hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// LooksLikeToken tells a token from garbage before any lookup.
func LooksLikeToken(s string) bool {
	return strings.HasPrefix(s, prefix) && len(s) == len(prefix)+52
}
