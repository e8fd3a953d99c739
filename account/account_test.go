package account_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/sqlite"
)

var ctx = context.Background()

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newService(t *testing.T) (*account.Service, *sqlite.DB, *clock) {
	t.Helper()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	return account.NewService(db, account.DefaultPolicy(), c.now), db, c
}

func openBenchStore(b *testing.B) *sqlite.DB {
	b.Helper()
	db, err := sqlite.Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func benchCode(b *testing.B, secret string, at time.Time) string {
	b.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func code(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrolled makes an analyst with a password and a TOTP secret.
func enrolled(t testing.TB, svc *account.Service, c *clock) (account.User, string) {
	t.Helper()
	u, err := svc.AddUser(ctx, " Ana@Vigie.Test", account.RoleAnalyst, "", "admin@vigie.test")
	if err != nil {
		t.Fatal(err)
	}
	token, err := svc.StartEnrolment(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, secret, uri, err := svc.EnrolmentTOTP(ctx, token)
	if err != nil || !strings.HasPrefix(uri, "otpauth://totp/") || !strings.Contains(uri, "secret="+secret) {
		t.Fatalf("secret: %q %v", uri, err)
	}
	if _, err := svc.CompleteEnrolment(ctx, token, "short", code(t, secret, c.t)); err == nil {
		t.Fatal("a short password was accepted")
	}
	if _, err := svc.CompleteEnrolment(ctx, token, "correct horse battery", "000000"); err == nil {
		t.Fatal("a wrong code was accepted at enrolment")
	}
	u, err = svc.CompleteEnrolment(ctx, token, "correct horse battery", code(t, secret, c.t))
	if err != nil || !u.Enrolled() || u.Email != "ana@vigie.test" || u.TOTPSecret != secret {
		t.Fatalf("enrol: %+v %v", u, err)
	}
	if _, err := svc.CompleteEnrolment(ctx, token, "correct horse battery", code(t, secret, c.t)); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("enrolment link used twice: %v", err)
	}
	return u, secret
}

func TestPasswordHash(t *testing.T) {
	h, err := account.HashPassword("correct horse battery")
	if err != nil || !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q %v", h, err)
	}
	if ok, err := account.PasswordMatches("correct horse battery", h); !ok || err != nil {
		t.Fatal("right password refused")
	}
	if ok, _ := account.PasswordMatches("correct horse batterY", h); ok {
		t.Fatal("wrong password accepted")
	}
	h2, _ := account.HashPassword("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=99999999,t=1,p=1$AA$AA", "$argon2id$v=19$m=8,t=1,p=1$!!$AA"} {
		if _, err := account.PasswordMatches("x", bad); err == nil {
			t.Errorf("hash %q accepted", bad)
		}
	}
}

func TestLoginNeedsPasswordAndFreshCode(t *testing.T) {
	svc, _, c := newService(t)
	_, secret := enrolled(t, svc, c)
	c.t = c.t.Add(time.Minute)
	good := code(t, secret, c.t)
	cases := []struct {
		name, email, password, code string
	}{
		{"wrong password", "ana@vigie.test", "wrong horse battery", good},
		{"wrong code", "ana@vigie.test", "correct horse battery", "123456"},
		{"no code", "ana@vigie.test", "correct horse battery", ""},
		{"unknown account", "bob@vigie.test", "correct horse battery", good},
		{"not an address", "<script>", "x", good},
	}
	for _, tc := range cases {
		if _, err := svc.Login(ctx, tc.email, tc.password, tc.code); !errors.Is(err, account.ErrBadCredentials) {
			t.Errorf("%s: %v, want ErrBadCredentials", tc.name, err)
		}
	}
	if _, err := svc.Login(ctx, "ANA@vigie.test", "correct horse battery", good); err != nil {
		t.Fatalf("good login: %v", err)
	}
	if _, err := svc.Login(ctx, "ana@vigie.test", "correct horse battery", good); !errors.Is(err, account.ErrBadCredentials) {
		t.Fatalf("the same code twice: %v", err)
	}
}

// Sign-in attempts are throttled per account and address: a stranger's
// guesses slow down only the stranger, the analyst signs in from their own
// address, and an unknown account is throttled exactly like a known one
// (issue 13, finding 2).
func TestAttemptsThrottledPerAccountAndAddress(t *testing.T) {
	svc, db, c := newService(t)
	_, secret := enrolled(t, svc, c)
	stranger := audit.WithSource(ctx, "198.51.100.66")
	analyst := audit.WithSource(ctx, "192.0.2.10")
	attempts := account.DefaultPolicy().Attempts
	for _, email := range []string{"ana@vigie.test", "nobody@vigie.test"} {
		for i := 0; i < attempts; i++ {
			if _, err := svc.Login(stranger, email, "guess number "+string(rune('a'+i)), "000000"); !errors.Is(err, account.ErrBadCredentials) {
				t.Fatalf("%s, failure %d: %v", email, i, err)
			}
		}
		if _, err := svc.Login(stranger, email, "one more guess", "000000"); !errors.Is(err, account.ErrThrottled) {
			t.Fatalf("%s after %d failures from one address: %v, want ErrThrottled", email, attempts, err)
		}
	}
	// The stranger's address waits, even with the right password.
	c.t = c.t.Add(30 * time.Second)
	if _, err := svc.Login(stranger, "ana@vigie.test", "correct horse battery", code(t, secret, c.t)); !errors.Is(err, account.ErrThrottled) {
		t.Fatalf("the throttled address with the right password: %v", err)
	}
	// The analyst, from their own address, is not locked out.
	if _, err := svc.Login(analyst, "ana@vigie.test", "correct horse battery", code(t, secret, c.t)); err != nil {
		t.Fatalf("the analyst from another address: %v", err)
	}
	// One more attempt once AttemptEvery has passed.
	c.t = c.t.Add(account.DefaultPolicy().AttemptEvery + 30*time.Second)
	if _, err := svc.Login(stranger, "ana@vigie.test", "correct horse battery", code(t, secret, c.t)); err != nil {
		t.Fatalf("after the wait: %v", err)
	}
	throttled, err := db.FindAudit(ctx, audit.Filter{Action: "login.throttled"})
	if err != nil || len(throttled) != 3 {
		t.Fatalf("%d throttled attempts audited (%v), want 3", len(throttled), err)
	}
	u, err := db.UserByEmail(ctx, "ana@vigie.test")
	if err != nil || u.FailedLogins != 0 {
		t.Fatalf("failures after a sign-in: %+v %v", u, err)
	}
}

func TestSessionLimits(t *testing.T) {
	svc, _, c := newService(t)
	u, _ := enrolled(t, svc, c)
	start := c.t
	token, err := svc.StartSession(ctx, u.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := svc.Authenticate(ctx, token); err != nil || got.ID != u.ID {
		t.Fatalf("fresh session: %v", err)
	}
	if _, err := svc.Authenticate(ctx, token+"x"); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("forged token: %v", err)
	}
	// Active every 20 minutes: alive until the 12-hour limit.
	for c.t.Sub(start) < 12*time.Hour-20*time.Minute {
		c.t = c.t.Add(20 * time.Minute)
		if _, err := svc.Authenticate(ctx, token); err != nil {
			t.Fatalf("active session ended after %v: %v", c.t.Sub(start), err)
		}
	}
	c.t = start.Add(12*time.Hour + time.Minute)
	if _, err := svc.Authenticate(ctx, token); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("session outlived 12 hours: %v", err)
	}

	token, _ = svc.StartSession(ctx, u.ID, "")
	c.t = c.t.Add(29 * time.Minute)
	if _, err := svc.Authenticate(ctx, token); err != nil {
		t.Fatalf("29 minutes idle: %v", err)
	}
	c.t = c.t.Add(31 * time.Minute)
	if _, err := svc.Authenticate(ctx, token); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("31 minutes idle: %v", err)
	}

	token, _ = svc.StartSession(ctx, u.ID, "")
	if _, err := svc.Disable(ctx, "ana@vigie.test", "admin@vigie.test"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, token); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("disabled account kept its session: %v", err)
	}
}

func TestAddUserChecks(t *testing.T) {
	svc, _, _ := newService(t)
	if _, err := svc.AddUser(ctx, "not an address", account.RoleAnalyst, "", "admin@vigie.test"); err == nil {
		t.Error("bad e-mail accepted")
	}
	if _, err := svc.AddUser(ctx, "dest@vigie.test", account.RoleDestination, "", "admin@vigie.test"); err == nil {
		t.Error("destination user without a destination accepted")
	}
	if _, err := account.ParseRole("root"); err == nil {
		t.Error("unknown role accepted")
	}
}

// A TOTP code is accepted in its own step and one step late, never early
// nor two steps late (issue 13, finding 7).
func TestCodeWindow(t *testing.T) {
	svc, _, c := newService(t)
	_, secret := enrolled(t, svc, c)
	tests := []struct {
		name   string
		offset time.Duration // of the code's time from the server's clock
		ok     bool
	}{
		{"the next step's code, early", 30 * time.Second, false},
		{"two steps late", -60 * time.Second, false},
		{"one step late", -30 * time.Second, true},
		{"its own step", 0, true},
	}
	for _, tt := range tests {
		c.t = c.t.Add(2 * time.Minute) // fresh steps: a code is accepted once
		_, err := svc.Login(ctx, "ana@vigie.test", "correct horse battery", code(t, secret, c.t.Add(tt.offset)))
		if (err == nil) != tt.ok {
			t.Errorf("%s: %v, want accepted %v", tt.name, err, tt.ok)
		}
	}
}
