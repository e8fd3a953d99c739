package altcha

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"
)

type memSpent struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (m *memSpent) Spend(_ context.Context, sig string, _ time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen[sig] {
		return false, nil
	}
	m.seen[sig] = true
	return true, nil
}

func TestVerify(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	svc := New([]byte("key-one"), 500, time.Minute, &memSpent{seen: map[string]bool{}}, clock)
	other := New([]byte("key-two"), 500, time.Minute, &memSpent{seen: map[string]bool{}}, clock)

	solved := func(s *Service) string {
		sol, ok := Solve(s.NewChallenge())
		if !ok {
			t.Fatal("challenge has no solution")
		}
		return sol
	}
	tamper := func(enc string, f func(*Solution)) string {
		raw, _ := base64.StdEncoding.DecodeString(enc)
		var s Solution
		_ = json.Unmarshal(raw, &s)
		f(&s)
		b, _ := json.Marshal(s)
		return base64.StdEncoding.EncodeToString(b)
	}

	good := solved(svc)
	if err := svc.Verify(context.Background(), good); err != nil {
		t.Fatalf("good solution refused: %v", err)
	}
	cases := []struct {
		name string
		enc  string
		want error
	}{
		{"replay", good, ErrReplayed},
		{"not base64", "%%%", ErrMalformed},
		{"not json", base64.StdEncoding.EncodeToString([]byte("{")), ErrMalformed},
		{"wrong number", tamper(solved(svc), func(s *Solution) { s.Number = (s.Number + 1) % 500 }), ErrWrong},
		{"signed by another key", solved(other), ErrWrong},
		{"forged challenge", tamper(solved(svc), func(s *Solution) { s.Challenge = hashOf(s.Salt, 1) }), ErrWrong},
		{"no expiry", tamper(solved(svc), func(s *Solution) { s.Salt = "abc" }), ErrMalformed},
		{"other algorithm", tamper(solved(svc), func(s *Solution) { s.Algorithm = "SHA-1" }), ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := svc.Verify(context.Background(), tc.enc); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}

	t.Run("expired", func(t *testing.T) {
		sol := solved(svc)
		now = now.Add(2 * time.Minute)
		if err := svc.Verify(context.Background(), sol); !errors.Is(err, ErrExpired) {
			t.Fatalf("err = %v, want ErrExpired", err)
		}
	})
}

func FuzzVerify(f *testing.F) {
	f.Add("eyJhbGdvcml0aG0iOiJTSEEtMjU2In0=")
	f.Add("")
	svc := New([]byte("k"), 100, time.Minute, &memSpent{seen: map[string]bool{}}, nil)
	f.Fuzz(func(t *testing.T, s string) {
		if svc.Verify(context.Background(), s) == nil {
			t.Fatalf("random input %q accepted", s)
		}
	})
}
