package account_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/account/passkeytest"
	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/problem"
	"github.com/vigie-platform/vigie/sqlite"
)

const origin = "https://vigie.example"

// passkeyService is newService with passkeys served at origin and policy
// changed by edit.
func passkeyService(t testing.TB, edit func(*account.Policy)) (*account.Service, *sqlite.DB, *clock) {
	t.Helper()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	// The library checks ceremony expiry against the wall clock: the
	// service's clock starts now.
	c := &clock{t: time.Now().UTC()}
	p := account.DefaultPolicy()
	p.Passkeys = account.PasskeyConfig{Origin: origin}
	if edit != nil {
		edit(&p)
	}
	return account.NewService(db, p, c.now), db, c
}

// register runs a whole registration ceremony for u with a.
func register(t testing.TB, svc *account.Service, u account.User, a *passkeytest.Authenticator, name string) account.Passkey {
	t.Helper()
	handle, opts, err := svc.BeginPasskeyRegistration(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := a.Create(opts)
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.FinishPasskeyRegistration(ctx, u, handle, name, string(resp))
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	return p
}

func actions(t *testing.T, db *sqlite.DB, action string) []audit.Entry {
	t.Helper()
	es, err := db.FindAudit(ctx, audit.Filter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestPasskeyRegistration(t *testing.T) {
	svc, db, c := passkeyService(t, nil)
	u, _ := enrolled(t, svc, c)
	other, err := svc.AddUser(ctx, "bob@vigie.test", account.RoleAnalyst, "", "admin@vigie.test")
	if err != nil {
		t.Fatal(err)
	}

	handle, opts, err := svc.BeginPasskeyRegistration(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	var o struct {
		PublicKey struct {
			RP                     struct{ ID string }
			AuthenticatorSelection struct{ UserVerification, ResidentKey string }
		}
	}
	if err := json.Unmarshal(opts, &o); err != nil || o.PublicKey.RP.ID != "vigie.example" ||
		o.PublicKey.AuthenticatorSelection.UserVerification != "preferred" {
		t.Fatalf("options: %s %v", opts, err)
	}
	good := &passkeytest.Authenticator{Origin: origin, UserVerified: true}
	resp, err := good.Create(opts)
	if err != nil {
		t.Fatal(err)
	}
	phished := &passkeytest.Authenticator{Origin: "https://vigie.example.evil.test"}
	phishedResp, _ := phished.Create(opts)

	cases := []struct {
		name           string
		user           account.User
		handle, answer string
		keyName        string
		before         func()
		want           error
	}{
		{"no name", u, handle, string(resp), "  ", nil, problem.New("account.passkey_name")},
		{"name too long", u, handle, string(resp), strings.Repeat("é", 61), nil, problem.New("account.passkey_name")},
		{"another user's ceremony", other, handle, string(resp), "key", nil, account.ErrCeremonyExpiry},
		// The handle was spent by the refusal just above: a new one.
		{"answer from another origin", u, "", string(phishedResp), "key", nil, account.ErrPasskeyRefused},
		{"unreadable answer", u, "", "{}", "key", nil, account.ErrPasskeyRefused},
		{"unknown handle", u, "nope", string(resp), "key", nil, account.ErrCeremonyExpiry},
		{"expired", u, "", "", "key", func() { c.t = c.t.Add(6 * time.Minute) }, account.ErrCeremonyExpiry},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, answer := tc.handle, tc.answer
			if h == "" {
				var opts []byte
				h, opts, err = svc.BeginPasskeyRegistration(ctx, tc.user)
				if err != nil {
					t.Fatal(err)
				}
				if answer == "" {
					r, _ := (&passkeytest.Authenticator{Origin: origin}).Create(opts)
					answer = string(r)
				}
			}
			if tc.before != nil {
				tc.before()
			}
			_, err := svc.FinishPasskeyRegistration(ctx, tc.user, h, tc.keyName, answer)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if keys, _ := svc.Passkeys(ctx, u); len(keys) != 0 {
				t.Fatalf("a refused registration stored %d passkeys", len(keys))
			}
		})
	}

	c.t = time.Now().UTC()
	p := register(t, svc, u, good, "  Office   key ")
	if p.Name != "Office key" || len(p.CredentialID) != 16 || len(p.PublicKey) == 0 {
		t.Fatalf("stored passkey %+v", p)
	}
	if es := actions(t, db, "passkey.add"); len(es) != 1 || es[0].Actor != "ana@vigie.test" || es[0].Detail != "Office key" {
		t.Fatalf("audit of the registration: %+v", es)
	}
	// The same authenticator answering a second ceremony is refused: its
	// credential is excluded, and its id is unique anyway.
	handle, opts, err = svc.BeginPasskeyRegistration(ctx, u)
	if err != nil || !strings.Contains(string(opts), "excludeCredentials") {
		t.Fatalf("second registration's options: %s %v", opts, err)
	}
	_ = handle
}

// passkeyUser is an enrolled analyst with one registered passkey.
func passkeyUser(t testing.TB, edit func(*account.Policy)) (*account.Service, *sqlite.DB, *clock, account.User, string, *passkeytest.Authenticator) {
	t.Helper()
	svc, db, c := passkeyService(t, edit)
	u, secret := enrolled(t, svc, c)
	a := &passkeytest.Authenticator{Origin: origin, UserVerified: true}
	register(t, svc, u, a, "key")
	return svc, db, c, u, secret, a
}

func TestPasskeySignIn(t *testing.T) {
	svc, db, c, u, _, a := passkeyUser(t, nil)

	// A wrong password is told nothing of the passkey.
	if _, err := svc.Login(ctx, "ana@vigie.test", "wrong horse battery", ""); !errors.Is(err, account.ErrBadCredentials) {
		t.Fatalf("wrong password, no code: %v", err)
	}
	got, err := svc.Login(ctx, "ana@vigie.test", "correct horse battery", "")
	if !errors.Is(err, account.ErrPasskeyNeeded) || got.ID != u.ID {
		t.Fatalf("right password, no code: %v", err)
	}

	step := func(t *testing.T) (string, []byte) {
		t.Helper()
		h, opts, err := svc.BeginPasskeyLogin(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(opts), `"userVerification":"preferred"`) || !strings.Contains(string(opts), `"allowCredentials"`) {
			t.Fatalf("sign-in options: %s", opts)
		}
		return h, opts
	}
	h, opts := step(t)
	resp, err := a.Get(opts, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := svc.FinishSecondStep(ctx, h, string(resp), ""); err != nil || got.ID != u.ID {
		t.Fatalf("passkey sign-in: %+v %v", got, err)
	}
	if _, err := svc.FinishSecondStep(ctx, h, string(resp), ""); !errors.Is(err, account.ErrCeremonyExpiry) {
		t.Fatalf("handle used twice: %v", err)
	}
	keys, _ := svc.Passkeys(ctx, u)
	if len(keys) != 1 || keys[0].SignCount != a.SignCount || keys[0].LastUsedAt.IsZero() {
		t.Fatalf("after sign-in: %+v (authenticator at %d)", keys, a.SignCount)
	}
	if es := actions(t, db, "login"); len(es) != 1 || es[0].Detail != "passkey key" {
		t.Fatalf("audit of the sign-in: %+v", es)
	}

	cases := []struct {
		name   string
		answer func(opts []byte) []byte
	}{
		{"counter went back (a clone)", func(opts []byte) []byte {
			a.SignCount -= 2 // the next answer repeats the stored count
			r, _ := a.Get(opts, "")
			a.SignCount += 2
			return r
		}},
		{"another relying party", func(opts []byte) []byte { r, _ := a.Get(opts, "evil.example"); return r }},
		{"another origin", func(opts []byte) []byte {
			a.Origin = "https://evil.example"
			defer func() { a.Origin = origin }()
			r, _ := a.Get(opts, "")
			return r
		}},
		{"another authenticator", func(opts []byte) []byte {
			b := &passkeytest.Authenticator{Origin: origin}
			b.Create([]byte(`{"publicKey":{"rp":{"id":"vigie.example"},"user":{"id":"AAAAAAAAAAE"}}}`))
			r, _ := b.Get(opts, "")
			return r
		}},
		{"unreadable", func([]byte) []byte { return []byte("{") }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := svc.Passkeys(ctx, u)
			h, opts := step(t)
			if _, err := svc.FinishSecondStep(ctx, h, string(tc.answer(opts)), ""); !errors.Is(err, account.ErrBadCredentials) {
				t.Fatalf("got %v, want ErrBadCredentials", err)
			}
			after, _ := svc.Passkeys(ctx, u)
			if after[0].SignCount != before[0].SignCount {
				t.Fatalf("a refused sign-in moved the counter from %d to %d", before[0].SignCount, after[0].SignCount)
			}
		})
	}
	if es := actions(t, db, "login.failed"); len(es) < len(cases) {
		t.Fatalf("%d failed second steps audited, want %d", len(es), len(cases))
	}
	// The counter check holds after refusals: the authenticator goes on.
	h, opts = step(t)
	resp, _ = a.Get(opts, "")
	if _, err := svc.FinishSecondStep(ctx, h, string(resp), ""); err != nil {
		t.Fatalf("sign-in after refusals: %v", err)
	}
	// Expired step.
	h, opts = step(t)
	resp, _ = a.Get(opts, "")
	c.t = c.t.Add(6 * time.Minute)
	if _, err := svc.FinishSecondStep(ctx, h, string(resp), ""); !errors.Is(err, account.ErrCeremonyExpiry) {
		t.Fatalf("expired step: %v", err)
	}
}

func TestTOTPWithPasskeys(t *testing.T) {
	cases := []struct {
		name     string
		require  []Role
		passkey  bool
		wantTOTP bool // a right code ends the sign-in
		needs    bool // ... into a session sent to register a passkey
	}{
		{"TOTP only, not required", nil, false, true, false},
		{"both, not required", nil, true, true, false},
		{"required, none yet", []Role{account.RoleAnalyst}, false, true, true},
		{"required, has one", []Role{account.RoleAnalyst}, true, false, false},
		{"required of another role", []Role{account.RoleAdmin}, true, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			svc, _, c := passkeyService(t, func(p *account.Policy) { p.Passkeys.Require = tc.require })
			u, secret := enrolled(t, svc, c)
			if tc.passkey {
				register(t, svc, u, &passkeytest.Authenticator{Origin: origin}, "key")
			}
			c.t = c.t.Add(time.Minute)
			code, _ := totp.GenerateCode(secret, c.t)
			_, err := svc.Login(ctx, "ana@vigie.test", "correct horse battery", code)
			if (err == nil) != tc.wantTOTP {
				t.Fatalf("TOTP sign-in: %v, want success %v", err, tc.wantTOTP)
			}
			if !tc.wantTOTP && !errors.Is(err, account.ErrBadCredentials) {
				t.Fatalf("refused TOTP: %v", err)
			}
			if needs, err := svc.NeedsPasskey(ctx, u); err != nil || needs != tc.needs {
				t.Fatalf("needs a passkey: %v %v, want %v", needs, err, tc.needs)
			}
			// The passkey step's TOTP fallback follows the same rule.
			if tc.passkey {
				h, _, err := svc.BeginPasskeyLogin(ctx, u)
				if err != nil {
					t.Fatal(err)
				}
				c.t = c.t.Add(30 * time.Second)
				code, _ := totp.GenerateCode(secret, c.t)
				if _, err := svc.FinishSecondStep(ctx, h, "", code); (err == nil) != tc.wantTOTP {
					t.Fatalf("TOTP at the passkey step: %v, want success %v", err, tc.wantTOTP)
				}
			}
		})
	}
}

type Role = account.Role

func TestRemovingSecondFactors(t *testing.T) {
	svc, db, _, u, _, a := passkeyUser(t, nil)
	second := &passkeytest.Authenticator{Origin: origin}
	register(t, svc, u, second, "spare")
	keys, _ := svc.Passkeys(ctx, u)
	if len(keys) != 2 {
		t.Fatalf("%d passkeys", len(keys))
	}
	_ = a
	// TOTP goes while passkeys remain.
	if err := svc.RemoveTOTP(ctx, u); err != nil {
		t.Fatal(err)
	}
	u, _ = db.UserByID(ctx, u.ID)
	if u.TOTPSecret != "" {
		t.Fatal("TOTP seed kept")
	}
	// A passkey-only account still signs in (password, then passkey).
	if _, err := svc.Login(ctx, "ana@vigie.test", "correct horse battery", ""); !errors.Is(err, account.ErrPasskeyNeeded) {
		t.Fatalf("passkey-only account: %v", err)
	}
	if err := svc.RemovePasskey(ctx, u, keys[1].ID); err != nil {
		t.Fatal(err)
	}
	if err := svc.RemovePasskey(ctx, u, keys[0].ID); !errors.Is(err, account.ErrLastFactor) {
		t.Fatalf("last second factor removed: %v", err)
	}
	// The store refuses it too, whatever the service checked first.
	if err := db.DeletePasskey(ctx, u.ID, keys[0].ID); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("store removed the last factor: %v", err)
	}
	other, _ := svc.AddUser(ctx, "bob@vigie.test", account.RoleAnalyst, "", "admin@vigie.test")
	if err := svc.RemovePasskey(ctx, other, keys[0].ID); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("another user's passkey: %v", err)
	}
	if keys, _ := svc.Passkeys(ctx, u); len(keys) != 1 {
		t.Fatalf("%d passkeys left, want 1", len(keys))
	}
	for _, action := range []string{"passkey.add", "passkey.remove", "totp.remove"} {
		if len(actions(t, db, action)) == 0 {
			t.Errorf("%s not audited", action)
		}
	}
	// Without a passkey, TOTP cannot go.
	svc2, db2, c2 := passkeyService(t, nil)
	v, _ := enrolled(t, svc2, c2)
	if err := svc2.RemoveTOTP(ctx, v); !errors.Is(err, account.ErrLastFactor) {
		t.Fatalf("last factor (TOTP) removed: %v", err)
	}
	if v, _ = db2.UserByID(ctx, v.ID); v.TOTPSecret == "" {
		t.Fatal("TOTP seed gone")
	}
}

// TestEnrolmentSeedIsTheServers: the seed an enrolment link offers is made
// and kept by the server; a code from any other seed, such as one a client
// would choose, enrols nothing.
func TestEnrolmentSeedIsTheServers(t *testing.T) {
	svc, db, c := newService(t)
	u, _ := svc.AddUser(ctx, "ana@vigie.test", account.RoleAnalyst, "", "admin@vigie.test")
	token, _ := svc.StartEnrolment(ctx, u.ID)
	_, first, _, err := svc.EnrolmentTOTP(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	_, again, _, _ := svc.EnrolmentTOTP(ctx, token)
	if again != first || len(first) < 32 {
		t.Fatalf("seed changed on a second view or too short: %q, %q", first, again)
	}
	token2, _ := svc.StartEnrolment(ctx, u.ID)
	if _, other, _, _ := svc.EnrolmentTOTP(ctx, token2); other == first {
		t.Fatal("two links offer one seed")
	}
	chosen := "AAAAAAAA" // 40 zero bits
	if _, err := svc.CompleteEnrolment(ctx, token, "correct horse battery", code(t, chosen, c.t)); err == nil {
		t.Fatal("a code from a chosen seed enrolled")
	}
	if got, _ := db.UserByID(ctx, u.ID); got.Enrolled() {
		t.Fatal("enrolled with a chosen seed")
	}
}

func TestPasskeyConfig(t *testing.T) {
	cases := []struct {
		cfg  account.PasskeyConfig
		rpid string // "" when the configuration is refused
	}{
		{account.PasskeyConfig{Origin: "https://vigie.example"}, "vigie.example"},
		{account.PasskeyConfig{Origin: "https://ws.vigie.example:8443", RPID: "vigie.example"}, "vigie.example"},
		{account.PasskeyConfig{Origin: account.DefaultOrigin}, "localhost"},
		{account.PasskeyConfig{Origin: "http://vigie.example"}, ""},
		{account.PasskeyConfig{Origin: "https://vigie.example", RPID: "other.example"}, ""},
		{account.PasskeyConfig{Origin: "https://vigie.example/w/"}, ""},
		{account.PasskeyConfig{Origin: "vigie.example"}, ""},
	}
	for _, tc := range cases {
		rpid, err := tc.cfg.RelyingPartyID()
		if tc.rpid == "" {
			if err == nil || account.CheckPasskeyConfig(tc.cfg) == nil {
				t.Errorf("%+v accepted", tc.cfg)
			}
			continue
		}
		if err != nil || rpid != tc.rpid || account.CheckPasskeyConfig(tc.cfg) != nil {
			t.Errorf("%+v: %q %v, want %q", tc.cfg, rpid, err, tc.rpid)
		}
	}
}

// FuzzPasskeyAnswers: whatever a browser sends as the answer to a
// ceremony, it neither signs in nor registers a passkey (nor panics); the
// seeds are a real answer and mangled ones.
func FuzzPasskeyAnswers(f *testing.F) {
	svc, _, _, u, _, a := passkeyUser(f, nil)
	_, opts, err := svc.BeginPasskeyLogin(ctx, u)
	if err != nil {
		f.Fatal(err)
	}
	real, _ := a.Get(opts, "")
	f.Add(real)
	f.Add([]byte(`{"id":"AA","rawId":"AA","type":"public-key","response":{}}`))
	f.Add([]byte(`{"response":{"attestationObject":"oA","clientDataJSON":"e30"}}`))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, answer []byte) {
		h, _, err := svc.BeginPasskeyLogin(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		// The challenge is fresh: an answer made before cannot match it.
		if _, err := svc.FinishSecondStep(ctx, h, string(answer), ""); !errors.Is(err, account.ErrBadCredentials) {
			t.Fatalf("answer %q to sign-in: %v, want ErrBadCredentials", answer, err)
		}
		h, _, err = svc.BeginPasskeyRegistration(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.FinishPasskeyRegistration(ctx, u, h, "key", string(answer)); !errors.Is(err, account.ErrPasskeyRefused) {
			t.Fatalf("answer %q to registration: %v, want ErrPasskeyRefused", answer, err)
		}
	})
}

// TestTOTPBackAfterPasskeys: an account that dropped TOTP for passkeys
// may take it up again, with a seed the server makes and keeps; a code
// from any other seed, or a handle used twice or by another, sets nothing.
func TestTOTPBackAfterPasskeys(t *testing.T) {
	svc, db, c, u, _, _ := passkeyUser(t, nil)
	if _, _, _, err := svc.OfferTOTP(ctx, u); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("offer to an account with TOTP: %v", err)
	}
	if err := svc.RemoveTOTP(ctx, u); err != nil {
		t.Fatal(err)
	}
	u, _ = db.UserByID(ctx, u.ID)
	handle, secret, uri, err := svc.OfferTOTP(ctx, u)
	if err != nil || len(secret) < 32 || !strings.Contains(uri, secret) {
		t.Fatalf("offer: %q %q %v", secret, uri, err)
	}
	other, _ := svc.AddUser(ctx, "bob@vigie.test", account.RoleAnalyst, "", "admin@vigie.test")
	cases := []struct {
		name   string
		user   account.User
		handle string
		code   string
		want   error
	}{
		{"code of a chosen seed", u, handle, code(t, "AAAAAAAA", c.t), problem.New("account.totp_mismatch")},
		{"handle spent by the refusal", u, handle, code(t, secret, c.t), account.ErrCeremonyExpiry},
		{"another user's handle", other, "", code(t, secret, c.t), account.ErrCeremonyExpiry},
		{"no handle", u, "-", code(t, secret, c.t), account.ErrCeremonyExpiry},
	}
	for _, tc := range cases {
		h := tc.handle
		switch h {
		case "":
			h, _, _, _ = svc.OfferTOTP(ctx, u)
		case "-":
			h = ""
		}
		if err := svc.AddTOTP(ctx, tc.user, h, tc.code); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if got, _ := db.UserByID(ctx, u.ID); got.TOTPSecret != "" {
		t.Fatalf("a refused offer set the seed %q", got.TOTPSecret)
	}
	handle, secret, _, _ = svc.OfferTOTP(ctx, u)
	if err := svc.AddTOTP(ctx, u, handle, code(t, secret, c.t)); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.UserByID(ctx, u.ID); got.TOTPSecret != secret {
		t.Fatal("the offered seed was not kept")
	}
	if len(actions(t, db, "totp.add")) != 1 {
		t.Error("TOTP added without an audit entry")
	}
	// The code that proved the seed is spent; the next one signs in.
	if _, err := svc.Login(ctx, "ana@vigie.test", "correct horse battery", code(t, secret, c.t)); err == nil {
		t.Fatal("the enrolling code signed in again")
	}
	c.t = c.t.Add(30 * time.Second)
	if _, err := svc.Login(ctx, "ana@vigie.test", "correct horse battery", code(t, secret, c.t)); err != nil {
		t.Fatalf("TOTP sign-in after adding it back: %v", err)
	}
}

// TestPasskeySignInsDoNotThrottle: signing in again and again with the
// passkey never runs into the per-account throttle, which counts attempts
// until a sign-in succeeds.
func TestPasskeySignInsDoNotThrottle(t *testing.T) {
	svc, _, _, u, _, a := passkeyUser(t, nil)
	from := audit.WithSource(ctx, "192.0.2.10")
	for i := range 2 * account.DefaultPolicy().Attempts {
		if _, err := svc.Login(from, "Ana@vigie.test", "correct horse battery", ""); !errors.Is(err, account.ErrPasskeyNeeded) {
			t.Fatalf("sign-in %d, password: %v", i, err)
		}
		h, opts, _ := svc.BeginPasskeyLogin(from, u)
		resp, _ := a.Get(opts, "")
		if _, err := svc.FinishSecondStep(from, h, string(resp), ""); err != nil {
			t.Fatalf("sign-in %d, passkey: %v", i, err)
		}
	}
}
