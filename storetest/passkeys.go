package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/account"
)

// testPasskeys: passkeys are stored and listed per account, a counter only
// moves forward, the last second factor cannot be removed, a ceremony is
// taken once, and an enrolment link keeps the first seed offered.
func testPasskeys(t *testing.T, s Store) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	u, err := s.CreateUser(ctx, account.User{Email: "ana@vigie.test", Role: account.RoleAnalyst, CreatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := s.CreateUser(ctx, account.User{Email: "bob@vigie.test", Role: account.RoleAnalyst, CreatedAt: now})
	if err := s.SetCredentials(ctx, u.ID, "hash", "SECRET"); err != nil {
		t.Fatal(err)
	}
	add := func(userID int64, id string, count uint32) (account.Passkey, error) {
		return s.AddPasskey(ctx, account.Passkey{UserID: userID, CredentialID: []byte(id), PublicKey: []byte("pk-" + id), SignCount: count,
			Name: "key " + id, Record: []byte(`{"id":"x"}`), CreatedAt: now})
	}
	p1, err := add(u.ID, "one", 5)
	if err != nil || p1.ID == 0 {
		t.Fatalf("add: %+v %v", p1, err)
	}
	if _, err := add(other.ID, "one", 5); !errors.Is(err, account.ErrPasskeyExists) {
		t.Fatalf("same credential id twice: %v", err)
	}
	keys, err := s.UserPasskeys(ctx, u.ID)
	if err != nil || len(keys) != 1 || string(keys[0].PublicKey) != "pk-one" || keys[0].SignCount != 5 || keys[0].Name != "key one" ||
		string(keys[0].Record) != `{"id":"x"}` || !keys[0].CreatedAt.Equal(now) || !keys[0].LastUsedAt.IsZero() {
		t.Fatalf("listed: %+v %v", keys, err)
	}
	if keys, _ := s.UserPasskeys(ctx, other.ID); len(keys) != 0 {
		t.Fatalf("another user's passkeys: %+v", keys)
	}

	counters := []struct {
		count uint32
		want  error
	}{{5, account.ErrSignCount}, {4, account.ErrSignCount}, {6, nil}, {6, account.ErrSignCount}, {9, nil}}
	for _, c := range counters {
		if err := s.RecordPasskeyLogin(ctx, u.ID, p1.ID, c.count, []byte(`{"id":"y"}`), now); !errors.Is(err, c.want) {
			t.Fatalf("counter %d: %v, want %v", c.count, err, c.want)
		}
	}
	if err := s.RecordPasskeyLogin(ctx, other.ID, p1.ID, 20, nil, now); !errors.Is(err, account.ErrSignCount) {
		t.Fatalf("another user's passkey used: %v", err)
	}
	keys, _ = s.UserPasskeys(ctx, u.ID)
	if keys[0].SignCount != 9 || string(keys[0].Record) != `{"id":"y"}` || !keys[0].LastUsedAt.Equal(now) {
		t.Fatalf("after sign-ins: %+v", keys[0])
	}
	// An authenticator without a counter (always 0) is let through.
	zero, _ := add(u.ID, "zero", 0)
	for range 2 {
		if err := s.RecordPasskeyLogin(ctx, u.ID, zero.ID, 0, nil, now); err != nil {
			t.Fatalf("counterless authenticator: %v", err)
		}
	}

	// TOTP and two passkeys: TOTP goes, one passkey goes, the last stays.
	if err := s.RemoveTOTP(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePasskey(ctx, other.ID, zero.ID); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("another user removed a passkey: %v", err)
	}
	if err := s.DeletePasskey(ctx, u.ID, zero.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePasskey(ctx, u.ID, p1.ID); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("last second factor removed: %v", err)
	}
	if err := s.RemoveTOTP(ctx, other.ID); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("TOTP removed from an account without passkeys: %v", err)
	}

	// Ceremonies: taken once, of their kind, before they expire.
	save := func(handle, kind string, expires time.Time) {
		t.Helper()
		if err := s.SaveCeremony(ctx, account.Ceremony{HandleHash: []byte(handle), UserID: u.ID, Kind: kind, Session: []byte(`{"challenge":"c"}`), Expires: expires}); err != nil {
			t.Fatal(err)
		}
	}
	save("h1", "login", now.Add(time.Minute))
	c, err := s.TakeCeremony(ctx, []byte("h1"), "login", now)
	if err != nil || c.UserID != u.ID || string(c.Session) != `{"challenge":"c"}` {
		t.Fatalf("take: %+v %v", c, err)
	}
	if _, err := s.TakeCeremony(ctx, []byte("h1"), "login", now); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("taken twice: %v", err)
	}
	save("h2", "register", now.Add(time.Minute))
	if _, err := s.TakeCeremony(ctx, []byte("h2"), "login", now); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("taken as another kind: %v", err)
	}
	save("h3", "login", now.Add(time.Minute))
	if _, err := s.TakeCeremony(ctx, []byte("h3"), "login", now.Add(time.Minute)); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("expired ceremony taken: %v", err)
	}

	// An enrolment link keeps the first seed it offered.
	if err := s.CreateEnrolment(ctx, []byte("link"), other.ID, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, offer := range []string{"FIRST", "SECOND"} {
		if kept, err := s.OfferEnrolmentSecret(ctx, []byte("link"), offer); err != nil || kept != "FIRST" {
			t.Fatalf("offered %s: kept %q %v", offer, kept, err)
		}
	}
	if _, err := s.OfferEnrolmentSecret(ctx, []byte("nope"), "X"); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("unknown link: %v", err)
	}
}

// testSetTOTP: a TOTP seed is given only to an account without one.
func testSetTOTP(t *testing.T, s Store) {
	u, err := s.CreateUser(ctx, account.User{Email: "ana@vigie.test", Role: account.RoleAnalyst, CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetTOTP(ctx, u.ID, "FIRST", 9); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTOTP(ctx, u.ID, "SECOND", 10); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("a seed replaced: %v", err)
	}
	if got, _ := s.UserByID(ctx, u.ID); got.TOTPSecret != "FIRST" || got.TOTPLastStep != 9 {
		t.Fatalf("after SetTOTP: %+v", got)
	}
}
