package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/problem"
	"github.com/vigie-platform/vigie/ratelimit"
)

// Policy holds the limits on logins and sessions.
type Policy struct {
	IdleTimeout   time.Duration
	AbsoluteLimit time.Duration
	// Attempts bounds sign-in attempts on one account from one address:
	// a burst of Attempts, then one each AttemptEvery. A stranger's
	// guesses slow down only the stranger: the account itself never
	// locks, and an unknown address is throttled like a known one.
	Attempts     int
	AttemptEvery time.Duration
	EnrolmentTTL time.Duration
	Issuer       string // shown by authenticator apps
	// Passkeys: where they are valid and which roles must use one.
	Passkeys PasskeyConfig
}

// DefaultPolicy is what the workspace uses unless told otherwise.
func DefaultPolicy() Policy {
	return Policy{
		IdleTimeout:   30 * time.Minute,
		AbsoluteLimit: 12 * time.Hour,
		Attempts:      5,
		AttemptEvery:  3 * time.Minute,
		EnrolmentTTL:  72 * time.Hour,
		Issuer:        "Vigie",
		Passkeys:      PasskeyConfig{Origin: DefaultOrigin},
	}
}

// Service is the account logic over a Store.
type Service struct {
	store  Store
	policy Policy
	now    func() time.Time
	// dummyHash is checked when the e-mail is unknown, so that a login for
	// a missing account costs as much as one for a real account.
	dummyHash string
	// attempts counts sign-in attempts per account and address, in this
	// instance's memory (several instances each allow the burst).
	attempts *ratelimit.Limiter
	// webauthn is the passkeys' relying party; nil, with webauthnErr
	// saying why, when the configuration cannot serve them.
	webauthn    *webauthn.WebAuthn
	webauthnErr error
}

// NewService builds the account logic.
func NewService(store Store, policy Policy, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	dummy, _ := HashPassword("not a real password, only spends time")
	s := &Service{store: store, policy: policy, now: now, dummyHash: dummy, attempts: ratelimit.New(now)}
	s.webauthn, s.webauthnErr = newWebAuthn(policy.Passkeys, policy.Issuer)
	return s
}

// Policy returns the limits in force.
func (s *Service) Policy() Policy { return s.policy }

// HashToken is how enrolment and session tokens are stored.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// AddUser creates an account that has yet to enrol.
func (s *Service) AddUser(ctx context.Context, email string, role Role, destination, actor string) (User, error) {
	email, err := NormaliseEmail(email)
	if err != nil {
		return User{}, err
	}
	if role == RoleDestination && destination == "" {
		return User{}, problem.New("account.destination_required")
	}
	if role != RoleDestination {
		destination = ""
	}
	detail := strings.TrimSpace(email + " " + string(role) + " " + destination)
	var u User
	err = audit.WithinOutcome(ctx, func(o audit.Outcome) audit.Entry {
		return audit.Entry{At: s.now(), Actor: actor, Action: "user.add", ObjectType: "user", ObjectID: o.ObjectID, Detail: detail}
	}, func(ctx context.Context) error {
		var err error
		u, err = s.store.CreateUser(ctx, User{Email: email, Role: role, Destination: destination, CreatedAt: s.now().UTC()})
		return err
	})
	return u, err
}

// StartEnrolment makes a one-time token for the enrolment link.
func (s *Service) StartEnrolment(ctx context.Context, userID int64) (string, error) {
	token, err := newToken()
	if err != nil {
		return "", err
	}
	if err := s.store.CreateEnrolment(ctx, HashToken(token), userID, s.now().Add(s.policy.EnrolmentTTL)); err != nil {
		return "", err
	}
	return token, nil
}

// ErrEnrolled: the account has its credentials already; a new activation
// link would let whoever holds it replace them.
var ErrEnrolled = problem.New("account.already_enrolled")

// IssueEnrolment makes a new activation link for an account that has not
// enrolled yet, and records who asked for it.
func (s *Service) IssueEnrolment(ctx context.Context, userID int64, actor string) (string, error) {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return "", err
	}
	if u.Enrolled() {
		return "", ErrEnrolled
	}
	token, err := newToken()
	if err != nil {
		return "", err
	}
	err = audit.Within(ctx, audit.Entry{At: s.now(), Actor: actor, Action: "user.enrolment_link", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10), Detail: u.Email},
		func(ctx context.Context) error {
			return s.store.CreateEnrolment(ctx, HashToken(token), u.ID, s.now().Add(s.policy.EnrolmentTTL))
		})
	if err != nil {
		return "", err
	}
	return token, nil
}

// NewTOTPSecret makes a secret and its otpauth:// URI for an account.
func (s *Service) NewTOTPSecret(email string) (secret, uri string, err error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.policy.Issuer, AccountName: email})
	if err != nil {
		return "", "", err
	}
	return key.Secret(), key.URL(), nil
}

// EnrolmentUser tells whose link a token is, if it is still valid.
func (s *Service) EnrolmentUser(ctx context.Context, token string) (User, error) {
	id, err := s.store.EnrolmentUser(ctx, HashToken(token), s.now())
	if err != nil {
		return User{}, err
	}
	return s.store.UserByID(ctx, id)
}

// CompleteEnrolment sets the password and the TOTP seed the link offered
// (EnrolmentTOTP), once the user has shown a code from it, and spends the
// link. The seed is the server's: none comes from the client.
func (s *Service) CompleteEnrolment(ctx context.Context, token, password, code string) (User, error) {
	u, err := s.EnrolmentUser(ctx, token)
	if err != nil {
		return User{}, err
	}
	if err := CheckPasswordRules(password, u.Email); err != nil {
		return User{}, err
	}
	// Asking for the seed of a link that offered none makes one that no
	// code can match yet: the page shows it on its next display.
	_, secret, _, err := s.EnrolmentTOTP(ctx, token)
	if err != nil {
		return User{}, err
	}
	if _, ok := s.validCode(secret, code); !ok {
		return User{}, problem.New("account.totp_mismatch")
	}
	err = audit.Within(ctx, audit.Entry{At: s.now(), Actor: u.Email, Action: "user.enrolled", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10)},
		func(ctx context.Context) error { return s.SetCredentials(ctx, u.ID, password, secret) })
	if err != nil {
		return User{}, err
	}
	if err := s.store.DeleteEnrolment(ctx, HashToken(token)); err != nil {
		return User{}, err
	}
	return s.store.UserByID(ctx, u.ID)
}

// SetCredentials hashes and stores a password and TOTP secret, and ends
// the user's sessions.
func (s *Service) SetCredentials(ctx context.Context, id int64, password, secret string) error {
	u, err := s.store.UserByID(ctx, id)
	if err != nil {
		return err
	}
	if err := CheckPasswordRules(password, u.Email); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	if err := s.store.SetCredentials(ctx, id, hash, secret); err != nil {
		return err
	}
	return s.store.DeleteUserSessions(ctx, id)
}

// validCode checks a code against a secret, in its own 30-s step or at
// most one step late (a code typed as its step ends), never early: a code
// is good for 30 to 60 s, not 90. It returns the matching time step.
func (s *Service) validCode(secret, code string) (int64, bool) {
	if len(code) != 6 || secret == "" {
		return 0, false
	}
	now := s.now()
	for _, skew := range []int64{0, -1} {
		at := now.Add(time.Duration(skew) * 30 * time.Second)
		want, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && want == code {
			return at.Unix() / 30, true
		}
	}
	return 0, false
}

// Login checks e-mail, password and TOTP code. Every attempt counts towards
// the throttle of its account and address, and the error never says which
// part was wrong.
func (s *Service) Login(ctx context.Context, email, password, code string) (User, error) {
	// The typed address names the attempt in the trail, bounded.
	actor := strings.TrimSpace(email)
	if len(actor) > 254 {
		actor = actor[:254]
	}
	attempt := func(action string, u User) audit.Entry {
		e := audit.Entry{At: s.now(), Actor: actor, Action: action, ObjectType: "user"}
		if action == "login" {
			e.Actor, e.ObjectID = u.Email, strconv.FormatInt(u.ID, 10)
		}
		return e
	}
	// refuse records an attempt that changes nothing, then refuses it; a
	// trail that cannot take the entry fails the login as well.
	refuse := func(action string, u User, err error) (User, error) {
		if _, aerr := s.store.AppendAudit(ctx, attempt(action, u)); aerr != nil {
			return u, fmt.Errorf("%w: %s: %w", audit.ErrUnwritten, action, aerr)
		}
		return u, err
	}
	// The attempt counts before the account is looked up, so that the
	// answer is the same whether it exists or not.
	attemptKey := strings.ToLower(actor) + "|" + audit.SourceFrom(ctx)
	if ok, _ := s.attempts.Allow(attemptKey, ratelimit.Limit{PerSecond: 1 / s.policy.AttemptEvery.Seconds(), Burst: float64(s.policy.Attempts)}); !ok {
		PasswordMatches(password, s.dummyHash)
		return refuse("login.throttled", User{}, ErrThrottled)
	}
	norm, err := NormaliseEmail(email)
	if err != nil {
		PasswordMatches(password, s.dummyHash)
		return refuse("login.failed", User{}, ErrBadCredentials)
	}
	u, err := s.store.UserByEmail(ctx, norm)
	if errors.Is(err, ErrNotFound) {
		PasswordMatches(password, s.dummyHash)
		return refuse("login.failed", User{}, ErrBadCredentials)
	}
	if err != nil {
		return User{}, err
	}
	keys, err := s.store.UserPasskeys(ctx, u.ID)
	if err != nil {
		return User{}, err
	}
	hasPasskey := len(keys) > 0
	if u.Disabled || u.PasswordHash == "" || (u.TOTPSecret == "" && !hasPasskey) {
		PasswordMatches(password, s.dummyHash)
		return refuse("login.failed", u, ErrBadCredentials)
	}
	ok, err := PasswordMatches(password, u.PasswordHash)
	if err != nil {
		return u, fmt.Errorf("login %s: %w", u.Email, err)
	}
	fail := func() (User, error) {
		err := audit.Within(ctx, attempt("login.failed", u), func(ctx context.Context) error {
			return s.store.RecordLoginFailure(ctx, u.ID)
		})
		if err != nil {
			return u, err
		}
		return u, ErrBadCredentials
	}
	// With the right password and no code, an account with a passkey
	// goes on to the passkey step; only then is it told that it has one.
	if ok && code == "" && hasPasskey {
		return u, ErrPasskeyNeeded
	}
	step, codeOK := s.validCode(u.TOTPSecret, code)
	if !ok || !codeOK || !s.TOTPAllowed(u, hasPasskey) {
		return fail()
	}
	err = audit.Within(ctx, attempt("login", u), func(ctx context.Context) error {
		return s.store.RecordLoginSuccess(ctx, u.ID, step)
	})
	if errors.Is(err, ErrCodeReused) {
		return fail()
	}
	if err != nil {
		return u, err
	}
	s.attempts.Forget(attemptKey)
	return u, nil
}

// StartSession opens a session and returns its token (for the cookie).
// replaces is the token the browser still held, if any: a new sign-in
// ends the browser's earlier session, whoever it belonged to, so that it
// cannot be used again by whoever kept its cookie.
func (s *Service) StartSession(ctx context.Context, userID int64, replaces string) (string, error) {
	if replaces != "" {
		if err := s.store.DeleteSession(ctx, HashToken(replaces)); err != nil {
			return "", err
		}
	}
	token, err := newToken()
	if err != nil {
		return "", err
	}
	now := s.now().UTC()
	sess := Session{TokenHash: HashToken(token), UserID: userID, CreatedAt: now, LastSeen: now,
		UserAgent: userAgentFrom(ctx), Source: audit.SourceFrom(ctx)}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return "", err
	}
	return token, nil
}

// touchEvery bounds writes: a session's last-seen time is refreshed at
// most once a minute, which the idle timeout tolerates.
const touchEvery = time.Minute

// Authenticate returns the user behind a session token, or ErrNotFound
// when the token is unknown, expired (idle or absolute) or the account is
// disabled; expired sessions are deleted.
func (s *Service) Authenticate(ctx context.Context, token string) (User, error) {
	if token == "" {
		return User{}, ErrNotFound
	}
	hash := HashToken(token)
	sess, err := s.store.SessionByHash(ctx, hash)
	if err != nil {
		return User{}, err
	}
	now := s.now()
	if now.Sub(sess.LastSeen) > s.policy.IdleTimeout || now.Sub(sess.CreatedAt) > s.policy.AbsoluteLimit {
		s.store.DeleteSession(ctx, hash)
		return User{}, ErrNotFound
	}
	u, err := s.store.UserByID(ctx, sess.UserID)
	if err != nil {
		return User{}, err
	}
	if u.Disabled {
		return User{}, ErrNotFound
	}
	if now.Sub(sess.LastSeen) > touchEvery {
		if err := s.store.TouchSession(ctx, hash, now); err != nil {
			return User{}, err
		}
	}
	return u, nil
}

// EndSession signs u's browser out.
func (s *Service) EndSession(ctx context.Context, token string, u User) error {
	return audit.Within(ctx, audit.Entry{At: s.now(), Actor: u.Email, Action: "logout", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10)},
		func(ctx context.Context) error { return s.store.DeleteSession(ctx, HashToken(token)) })
}

// Disable stops an account and ends its sessions.
func (s *Service) Disable(ctx context.Context, email, actor string) (User, error) {
	norm, err := NormaliseEmail(email)
	if err != nil {
		return User{}, err
	}
	u, err := s.store.UserByEmail(ctx, norm)
	if err != nil {
		return User{}, err
	}
	err = audit.Within(ctx, audit.Entry{At: s.now(), Actor: actor, Action: "user.disable", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10), Detail: u.Email},
		func(ctx context.Context) error { return s.store.SetUserDisabled(ctx, u.ID, true) })
	if err != nil {
		return User{}, err
	}
	u.Disabled = true
	return u, s.store.DeleteUserSessions(ctx, u.ID)
}

type userAgentKey struct{}

// maxUserAgent bounds what a browser's description may take in the store.
const maxUserAgent = 200

// WithUserAgent says which browser the acts done with ctx come from, so
// that a session started with it can be recognised in its owner's list.
func WithUserAgent(ctx context.Context, ua string) context.Context {
	ua = strings.ToValidUTF8(strings.TrimSpace(ua), "")
	if len(ua) > maxUserAgent {
		ua = strings.ToValidUTF8(ua[:maxUserAgent], "")
	}
	return context.WithValue(ctx, userAgentKey{}, ua)
}

func userAgentFrom(ctx context.Context) string {
	ua, _ := ctx.Value(userAgentKey{}).(string)
	return ua
}

// Sessions lists u's open sessions, most recently used first; expired
// ones are left out (they end at their next use).
func (s *Service) Sessions(ctx context.Context, u User) ([]Session, error) {
	all, err := s.store.UserSessions(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	open := all[:0]
	for _, sess := range all {
		if now.Sub(sess.LastSeen) <= s.policy.IdleTimeout && now.Sub(sess.CreatedAt) <= s.policy.AbsoluteLimit {
			open = append(open, sess)
		}
	}
	return open, nil
}

// EndUserSession ends one of u's own sessions, named by its token's hash;
// another user's session is not found.
func (s *Service) EndUserSession(ctx context.Context, u User, tokenHash []byte) error {
	return audit.Within(ctx, audit.Entry{At: s.now(), Actor: u.Email, Action: "session.end", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10)},
		func(ctx context.Context) error { return s.store.DeleteUserSession(ctx, u.ID, tokenHash) })
}

// EndOtherSessions ends every session of u but the one of token (the
// browser asking).
func (s *Service) EndOtherSessions(ctx context.Context, u User, token string) error {
	return audit.Within(ctx, audit.Entry{At: s.now(), Actor: u.Email, Action: "session.end_others", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10)},
		func(ctx context.Context) error { return s.store.DeleteOtherSessions(ctx, u.ID, HashToken(token)) })
}

// ChangePassword replaces u's password once the current one is shown, and
// ends u's other sessions; the session of token (the browser asking)
// stays open. Wrong current passwords count towards the same throttle as
// sign-in attempts, so that a borrowed session cannot be used to guess it.
func (s *Service) ChangePassword(ctx context.Context, u User, current, next, confirm, token string) error {
	key := "password|" + strconv.FormatInt(u.ID, 10)
	if ok, _ := s.attempts.Allow(key, ratelimit.Limit{PerSecond: 1 / s.policy.AttemptEvery.Seconds(), Burst: float64(s.policy.Attempts)}); !ok {
		return ErrThrottled
	}
	fresh, err := s.store.UserByID(ctx, u.ID)
	if err != nil {
		return err
	}
	ok, err := PasswordMatches(current, fresh.PasswordHash)
	if err != nil {
		return fmt.Errorf("change password of %s: %w", u.Email, err)
	}
	if !ok {
		entry := audit.Entry{At: s.now(), Actor: u.Email, Action: "user.password_change_refused", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10)}
		if _, err := s.store.AppendAudit(ctx, entry); err != nil {
			return fmt.Errorf("%w: %w", audit.ErrUnwritten, err)
		}
		return problem.New("account.password_wrong")
	}
	if next != confirm {
		return problem.New("account.password_mismatch")
	}
	if err := CheckPasswordRules(next, u.Email); err != nil {
		return err
	}
	hash, err := HashPassword(next)
	if err != nil {
		return err
	}
	err = audit.Within(ctx, audit.Entry{At: s.now(), Actor: u.Email, Action: "user.password_changed", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10)},
		func(ctx context.Context) error { return s.store.SetPassword(ctx, u.ID, hash, HashToken(token)) })
	if err != nil {
		return err
	}
	s.attempts.Forget(key)
	return nil
}
