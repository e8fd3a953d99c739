package apitoken

import (
	"context"
	"sync"
	"time"
)

// Cache answers TokenByHash from memory for a short time. Every API
// request looks its token up; on PostgreSQL that round trip was about a
// sixth of the server's CPU under intake load, and as much again in the
// database. A revocation reaches an instance within the TTL.
type Cache struct {
	Store
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[string]cached
}

type cached struct {
	tok Token
	at  time.Time
}

// maxCached bounds the memory: past it, the cache starts afresh (API
// clients are a few partners, not the public).
const maxCached = 4096

// NewCache wraps s; now may be nil (time.Now).
func NewCache(s Store, ttl time.Duration, now func() time.Time) *Cache {
	if now == nil {
		now = time.Now
	}
	return &Cache{Store: s, ttl: ttl, now: now, entries: map[string]cached{}}
}

// TokenByHash returns the token, from memory if it was read less than the
// TTL ago. Unknown hashes are not remembered, so a token just created is
// usable at once.
func (c *Cache) TokenByHash(ctx context.Context, hash []byte) (Token, error) {
	key := string(hash)
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < c.ttl {
		return e.tok, nil
	}
	tok, err := c.Store.TokenByHash(ctx, hash)
	if err != nil {
		return tok, err
	}
	c.mu.Lock()
	if len(c.entries) >= maxCached {
		clear(c.entries)
	}
	c.entries[key] = cached{tok, now}
	c.mu.Unlock()
	return tok, nil
}

// RevokeToken revokes and forgets every cached token, so that this
// instance refuses the token at once.
func (c *Cache) RevokeToken(ctx context.Context, name string, at time.Time) error {
	err := c.Store.RevokeToken(ctx, name, at)
	c.mu.Lock()
	clear(c.entries)
	c.mu.Unlock()
	return err
}
