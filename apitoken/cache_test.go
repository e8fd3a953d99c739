package apitoken

import (
	"context"
	"errors"
	"testing"
	"time"
)

type countingStore struct {
	Store
	tokens  map[string]Token
	lookups int
}

func (s *countingStore) TokenByHash(_ context.Context, hash []byte) (Token, error) {
	s.lookups++
	t, ok := s.tokens[string(hash)]
	if !ok {
		return t, ErrNotFound
	}
	return t, nil
}

func (s *countingStore) RevokeToken(_ context.Context, name string, at time.Time) error {
	for k, t := range s.tokens {
		if t.Name == name {
			t.RevokedAt = &at
			s.tokens[k] = t
		}
	}
	return nil
}

// TestCacheServesWithinTTL: repeated lookups within the TTL cost one read
// of the store; past it the store is read again, so that a revocation made
// on another instance takes effect; a revocation made here takes effect
// at once; unknown tokens are never remembered.
func TestCacheServesWithinTTL(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	store := &countingStore{tokens: map[string]Token{"h1": {Name: "partner"}}}
	c := NewCache(store, 5*time.Second, func() time.Time { return clock })
	for range 10 {
		if tok, err := c.TokenByHash(ctx, []byte("h1")); err != nil || tok.Name != "partner" {
			t.Fatalf("lookup: %+v %v", tok, err)
		}
	}
	if store.lookups != 1 {
		t.Fatalf("10 lookups within the TTL read the store %d times, want 1", store.lookups)
	}
	// Revoked behind this instance's back (another instance): seen after the TTL.
	at := clock
	store.tokens["h1"] = Token{Name: "partner", RevokedAt: &at}
	if tok, _ := c.TokenByHash(ctx, []byte("h1")); tok.RevokedAt != nil {
		t.Fatal("the cache was bypassed within the TTL")
	}
	clock = clock.Add(5 * time.Second)
	if tok, _ := c.TokenByHash(ctx, []byte("h1")); tok.RevokedAt == nil {
		t.Fatal("a revocation was not seen after the TTL")
	}
	// Revoked through this instance: at once.
	store.tokens["h2"] = Token{Name: "other"}
	c.TokenByHash(ctx, []byte("h2"))
	if err := c.RevokeToken(ctx, "other", clock); err != nil {
		t.Fatal(err)
	}
	if tok, _ := c.TokenByHash(ctx, []byte("h2")); tok.RevokedAt == nil {
		t.Fatal("a token revoked here was still served from memory")
	}
	// Unknown, then created: usable at once.
	if _, err := c.TokenByHash(ctx, []byte("h3")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown token: %v", err)
	}
	store.tokens["h3"] = Token{Name: "new"}
	if tok, err := c.TokenByHash(ctx, []byte("h3")); err != nil || tok.Name != "new" {
		t.Fatalf("a new token was refused from memory: %+v %v", tok, err)
	}
}
