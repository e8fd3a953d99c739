package account_test

import (
	"testing"
	"time"

	"github.com/vigie-platform/vigie/account"
)

// BenchmarkLogin is one whole sign-in as configured (argon2id at 19 MiB,
// t=2, one lane; the TOTP check; the trail's entry and the step spent, on
// SQLite): what a person waits for, and what one core can take.
//
//	go test -run '^$' -bench 'Login|PasswordHash' -benchtime 50x ./account/
func BenchmarkLogin(b *testing.B) {
	db := openBenchStore(b)
	c := &clock{t: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
	svc := account.NewService(db, account.DefaultPolicy(), c.now)
	u, err := svc.AddUser(ctx, "bench@vigie.test", account.RoleAnalyst, "", "admin")
	if err != nil {
		b.Fatal(err)
	}
	secret, _, _ := svc.NewTOTPSecret(u.Email)
	if err := svc.SetCredentials(ctx, u.ID, "correct horse battery", secret); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		c.t = c.t.Add(30 * time.Second) // each code is spent once
		totpCode := benchCode(b, secret, c.t)
		b.StartTimer()
		if _, err := svc.Login(ctx, "bench@vigie.test", "correct horse battery", totpCode); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPasswordHash is argon2id alone, as configured.
func BenchmarkPasswordHash(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := account.HashPassword("correct horse battery"); err != nil {
			b.Fatal(err)
		}
	}
}
