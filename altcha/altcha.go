// Package altcha is the server side of an ALTCHA-style proof of work: the
// server hands out a signed challenge, the browser searches for the number
// that solves it, and the server checks the answer once.
//
// A challenge is SHA-256(salt || number) for a secret number below
// MaxNumber; the salt carries its own expiry, and the challenge is signed
// with HMAC-SHA256 so the server keeps nothing until an answer comes back.
package altcha

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Algorithm is the only hash the challenges use.
const Algorithm = "SHA-256"

// Challenge is what the browser receives.
type Challenge struct {
	Algorithm string `json:"algorithm"`
	Challenge string `json:"challenge"`
	MaxNumber int64  `json:"maxnumber"`
	Salt      string `json:"salt"`
	Signature string `json:"signature"`
}

// Solution is what the browser sends back, base64-encoded JSON.
type Solution struct {
	Algorithm string `json:"algorithm"`
	Challenge string `json:"challenge"`
	Number    int64  `json:"number"`
	Salt      string `json:"salt"`
	Signature string `json:"signature"`
}

// SpentStore remembers solved challenges until they expire, so that one
// solution cannot be replayed. Shared by every instance.
type SpentStore interface {
	// Spend records signature; fresh is false when it was already spent.
	Spend(ctx context.Context, signature string, expires time.Time) (fresh bool, err error)
}

// Service issues and checks challenges.
type Service struct {
	key       []byte
	maxNumber int64
	ttl       time.Duration
	spent     SpentStore
	now       func() time.Time
}

// Errors a solution may get.
var (
	ErrMalformed = errors.New("altcha: malformed solution")
	ErrExpired   = errors.New("altcha: challenge expired")
	ErrWrong     = errors.New("altcha: wrong solution")
	ErrReplayed  = errors.New("altcha: solution already used")
)

// New makes a service. maxNumber sets the work: the browser tries on
// average half of it.
func New(key []byte, maxNumber int64, ttl time.Duration, spent SpentStore, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{key: key, maxNumber: maxNumber, ttl: ttl, spent: spent, now: now}
}

func (s *Service) sign(challenge string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(challenge))
	return hex.EncodeToString(m.Sum(nil))
}

func hashOf(salt string, number int64) string {
	sum := sha256.Sum256([]byte(salt + strconv.FormatInt(number, 10)))
	return hex.EncodeToString(sum[:])
}

// NewChallenge issues a fresh challenge.
func (s *Service) NewChallenge() Challenge {
	raw := make([]byte, 12)
	if _, err := rand.Read(raw); err != nil {
		panic("altcha: no randomness: " + err.Error())
	}
	n, err := rand.Int(rand.Reader, big.NewInt(s.maxNumber))
	if err != nil {
		panic("altcha: no randomness: " + err.Error())
	}
	salt := hex.EncodeToString(raw) + "?expires=" + strconv.FormatInt(s.now().Add(s.ttl).Unix(), 10)
	challenge := hashOf(salt, n.Int64())
	return Challenge{Algorithm: Algorithm, Challenge: challenge, MaxNumber: s.maxNumber, Salt: salt, Signature: s.sign(challenge)}
}

// Verify checks an encoded solution and spends it.
func (s *Service) Verify(ctx context.Context, encoded string) error {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encoded))
	if err != nil || len(raw) > 2048 {
		return ErrMalformed
	}
	var sol Solution
	if err := json.Unmarshal(raw, &sol); err != nil {
		return ErrMalformed
	}
	if sol.Algorithm != Algorithm || sol.Number < 0 || sol.Number > s.maxNumber {
		return ErrMalformed
	}
	expires, err := expiryOf(sol.Salt)
	if err != nil {
		return ErrMalformed
	}
	if !s.now().Before(expires) {
		return ErrExpired
	}
	if !hmac.Equal([]byte(s.sign(sol.Challenge)), []byte(sol.Signature)) {
		return ErrWrong
	}
	if hashOf(sol.Salt, sol.Number) != sol.Challenge {
		return ErrWrong
	}
	fresh, err := s.spent.Spend(ctx, sol.Signature, expires)
	if err != nil {
		return fmt.Errorf("altcha: %w", err)
	}
	if !fresh {
		return ErrReplayed
	}
	return nil
}

func expiryOf(salt string) (time.Time, error) {
	_, query, ok := strings.Cut(salt, "?")
	if !ok {
		return time.Time{}, ErrMalformed
	}
	v, err := url.ParseQuery(query)
	if err != nil {
		return time.Time{}, err
	}
	sec, err := strconv.ParseInt(v.Get("expires"), 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(sec, 0), nil
}

// Solve finds the number for a challenge by brute force, as a browser
// would. Tests and the benchmark client use it.
func Solve(c Challenge) (string, bool) {
	for n := int64(0); n <= c.MaxNumber; n++ {
		if hashOf(c.Salt, n) == c.Challenge {
			b, _ := json.Marshal(Solution{Algorithm: c.Algorithm, Challenge: c.Challenge, Number: n, Salt: c.Salt, Signature: c.Signature})
			return base64.StdEncoding.EncodeToString(b), true
		}
	}
	return "", false
}
