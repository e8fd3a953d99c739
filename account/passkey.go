package account

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/problem"
)

// Passkey is one WebAuthn credential of an account, a phishing-resistant
// second factor. Its id and public key are not secrets.
type Passkey struct {
	ID           int64
	UserID       int64
	CredentialID []byte
	PublicKey    []byte
	SignCount    uint32
	Name         string
	// Record is the library's whole credential record (JSON): the flags
	// and authenticator data that each sign-in checks and updates.
	Record     []byte
	CreatedAt  time.Time
	LastUsedAt time.Time // zero until first used
}

// Ceremony is a WebAuthn ceremony in progress: what the server asked the
// browser (the challenge and its options), kept on the server and found by
// the hash of a one-time handle.
type Ceremony struct {
	HandleHash []byte
	UserID     int64
	Kind       string // ceremonyLogin or ceremonyRegister
	Session    []byte // webauthn.SessionData, JSON
	Expires    time.Time
}

const (
	ceremonyLogin    = "login"
	ceremonyRegister = "register"
	// ceremonyTTL bounds the time between the page and its answer.
	ceremonyTTL = 5 * time.Minute
	// passkeyNameMax bounds a passkey's name, in characters.
	passkeyNameMax = 60
)

// PasskeyStore keeps passkeys, ceremonies in progress and the TOTP seed an
// enrolment link offers.
type PasskeyStore interface {
	// AddPasskey stores a new passkey; ErrPasskeyExists when its credential
	// id is already registered.
	AddPasskey(ctx context.Context, p Passkey) (Passkey, error)
	UserPasskeys(ctx context.Context, userID int64) ([]Passkey, error)
	// RecordPasskeyLogin stores a passkey's new sign count and record and
	// resets the account's failures, in one transaction; it fails with
	// ErrSignCount when the stored count is not below the new one (unless
	// the authenticator keeps no counter: both zero).
	RecordPasskeyLogin(ctx context.Context, userID, passkeyID int64, signCount uint32, record []byte, at time.Time) error
	// DeletePasskey removes one of userID's passkeys, unless it is the
	// account's last second factor (no TOTP, no other passkey):
	// ErrNotFound then, as for a passkey that is not the user's.
	DeletePasskey(ctx context.Context, userID, passkeyID int64) error
	// RemoveTOTP clears the TOTP seed, only while the account has a
	// passkey: ErrNotFound otherwise.
	RemoveTOTP(ctx context.Context, userID int64) error
	// SetTOTP gives an account that has none a TOTP seed, the step of the
	// code that proved it counting as used: ErrNotFound when it has one.
	SetTOTP(ctx context.Context, userID int64, secret string, usedStep int64) error

	SaveCeremony(ctx context.Context, c Ceremony) error
	// TakeCeremony deletes and returns a ceremony of kind that has not
	// expired: a handle serves once.
	TakeCeremony(ctx context.Context, handleHash []byte, kind string, now time.Time) (Ceremony, error)

	// OfferEnrolmentSecret keeps secret as the TOTP seed of an enrolment
	// link unless it already has one, and returns the one it keeps.
	OfferEnrolmentSecret(ctx context.Context, tokenHash []byte, secret string) (string, error)
}

// Passkey errors.
var (
	ErrSignCount = errors.New("the passkey's signature counter went back: it may have been cloned")
	// ErrPasskeyNeeded: the password was right and the account signs in
	// with a passkey; the caller begins the passkey step.
	ErrPasskeyNeeded  = errors.New("second step: passkey")
	ErrPasskeyExists  = problem.New("account.passkey_exists")
	ErrLastFactor     = problem.New("account.last_factor")
	ErrCeremonyExpiry = problem.New("account.passkey_expired")
	ErrPasskeyRefused = problem.New("account.passkey_refused")
	ErrPasskeysOff    = errors.New("passkeys are not configured")
)

// PasskeyConfig is where passkeys are valid and who must have one.
type PasskeyConfig struct {
	// Origin is the workspace's public origin (scheme, host, port), the
	// one browsers show; the relying party id is its host.
	Origin string
	// RPID overrides the relying party id: a registrable suffix of the
	// origin's host, so that passkeys survive a change of sub-domain.
	RPID string
	// Require lists the roles that must sign in with a passkey; every
	// role when RequireAll.
	Require    []Role
	RequireAll bool
}

// DefaultOrigin is the public origin assumed without configuration: the
// default listen address, which browsers treat as secure.
const DefaultOrigin = "http://localhost:8080"

// RelyingPartyID is the id passkeys are bound to.
func (c PasskeyConfig) RelyingPartyID() (string, error) {
	u, err := url.Parse(c.Origin)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" && u.Path != "/" {
		return "", fmt.Errorf("public origin %q: want scheme://host[:port], e.g. https://vigie.example", c.Origin)
	}
	host := u.Hostname()
	if u.Scheme == "http" && host != "localhost" {
		return "", fmt.Errorf("public origin %q: browsers allow passkeys over plain HTTP on localhost only", c.Origin)
	}
	if c.RPID == "" {
		return host, nil
	}
	if c.RPID != host && !strings.HasSuffix(host, "."+c.RPID) {
		return "", fmt.Errorf("relying party id %q is not %q nor a suffix of it", c.RPID, host)
	}
	return c.RPID, nil
}

// newWebAuthn builds the relying party from the configuration.
func newWebAuthn(c PasskeyConfig, name string) (*webauthn.WebAuthn, error) {
	rpid, err := c.RelyingPartyID()
	if err != nil {
		return nil, err
	}
	origin := strings.TrimSuffix(c.Origin, "/")
	return webauthn.New(&webauthn.Config{
		RPID:          rpid,
		RPDisplayName: name,
		RPOrigins:     []string{origin},
		// Attestation is not asked for: Vigie trusts any authenticator
		// the user holds, and "none" reveals nothing of its model.
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementPreferred,
			UserVerification: protocol.VerificationPreferred,
		},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: ceremonyTTL, TimeoutUVD: ceremonyTTL},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: ceremonyTTL, TimeoutUVD: ceremonyTTL},
		},
	})
}

// CheckPasskeyConfig tells whether a configuration can serve passkeys.
func CheckPasskeyConfig(c PasskeyConfig) error {
	_, err := newWebAuthn(c, "Vigie")
	return err
}

// waUser is an account as the WebAuthn library sees it.
type waUser struct {
	u     User
	creds []webauthn.Credential
}

// WebAuthnID is the user handle: the account's number, which says nothing
// of the person and never changes.
func (w waUser) WebAuthnID() []byte                         { return userHandle(w.u.ID) }
func (w waUser) WebAuthnName() string                       { return w.u.Email }
func (w waUser) WebAuthnDisplayName() string                { return w.u.Email }
func (w waUser) WebAuthnCredentials() []webauthn.Credential { return w.creds }

func userHandle(id int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(id)) }

func (s *Service) relyingParty() (*webauthn.WebAuthn, error) {
	if s.webauthn == nil {
		return nil, fmt.Errorf("%w: %w", ErrPasskeysOff, s.webauthnErr)
	}
	return s.webauthn, nil
}

// PasskeyRequired tells whether role must sign in with a passkey.
func (s *Service) PasskeyRequired(role Role) bool {
	c := s.policy.Passkeys
	return c.RequireAll || slices.Contains(c.Require, role)
}

// NeedsPasskey tells whether u must register a passkey before anything
// else: the role requires one and the account has none.
func (s *Service) NeedsPasskey(ctx context.Context, u User) (bool, error) {
	if !s.PasskeyRequired(u.Role) {
		return false, nil
	}
	keys, err := s.store.UserPasskeys(ctx, u.ID)
	return len(keys) == 0, err
}

// Passkeys lists u's passkeys.
func (s *Service) Passkeys(ctx context.Context, u User) ([]Passkey, error) {
	return s.store.UserPasskeys(ctx, u.ID)
}

func (s *Service) credentials(ctx context.Context, u User) ([]Passkey, []webauthn.Credential, error) {
	keys, err := s.store.UserPasskeys(ctx, u.ID)
	if err != nil {
		return nil, nil, err
	}
	creds := make([]webauthn.Credential, 0, len(keys))
	for _, k := range keys {
		var c webauthn.Credential
		if err := json.Unmarshal(k.Record, &c); err != nil {
			return nil, nil, fmt.Errorf("passkey %d of user %d: %w", k.ID, u.ID, err)
		}
		// The columns are what counts: the record is only the rest.
		c.ID, c.PublicKey, c.Authenticator.SignCount = k.CredentialID, k.PublicKey, k.SignCount
		creds = append(creds, c)
	}
	return keys, creds, nil
}

// saveCeremony keeps a ceremony's session data and returns its handle.
func (s *Service) saveCeremony(ctx context.Context, u User, kind string, sd *webauthn.SessionData) (string, error) {
	data, err := json.Marshal(sd)
	if err != nil {
		return "", err
	}
	handle, err := newToken()
	if err != nil {
		return "", err
	}
	c := Ceremony{HandleHash: HashToken(handle), UserID: u.ID, Kind: kind, Session: data, Expires: s.now().Add(ceremonyTTL)}
	if err := s.store.SaveCeremony(ctx, c); err != nil {
		return "", err
	}
	return handle, nil
}

// takeCeremony spends a handle: ErrCeremonyExpiry when it is unknown, of
// another kind or expired.
func (s *Service) takeCeremony(ctx context.Context, handle, kind string) (Ceremony, webauthn.SessionData, error) {
	var sd webauthn.SessionData
	if handle == "" {
		return Ceremony{}, sd, ErrCeremonyExpiry
	}
	c, err := s.store.TakeCeremony(ctx, HashToken(handle), kind, s.now())
	if errors.Is(err, ErrNotFound) {
		return c, sd, ErrCeremonyExpiry
	}
	if err != nil {
		return c, sd, err
	}
	if err := json.Unmarshal(c.Session, &sd); err != nil {
		return c, sd, fmt.Errorf("ceremony of user %d: %w", c.UserID, err)
	}
	return c, sd, nil
}

// BeginPasskeyRegistration asks the browser for a new passkey for u. It
// returns the handle that finishes the ceremony and the options for
// navigator.credentials.create (JSON).
func (s *Service) BeginPasskeyRegistration(ctx context.Context, u User) (handle string, options []byte, err error) {
	rp, err := s.relyingParty()
	if err != nil {
		return "", nil, err
	}
	_, creds, err := s.credentials(ctx, u)
	if err != nil {
		return "", nil, err
	}
	creation, sd, err := rp.BeginRegistration(waUser{u, creds},
		// The same authenticator is not registered twice.
		webauthn.WithExclusions(webauthn.Credentials(creds).CredentialDescriptors()))
	if err != nil {
		return "", nil, fmt.Errorf("begin passkey registration: %w", err)
	}
	if options, err = json.Marshal(creation); err != nil {
		return "", nil, err
	}
	handle, err = s.saveCeremony(ctx, u, ceremonyRegister, sd)
	return handle, options, err
}

// checkPasskeyName trims a passkey's name and bounds it.
func checkPasskeyName(name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > passkeyNameMax {
		return "", problem.New("account.passkey_name", passkeyNameMax)
	}
	return name, nil
}

// FinishPasskeyRegistration checks the browser's answer (JSON of the
// PublicKeyCredential) to the ceremony of handle and stores the passkey
// under name.
func (s *Service) FinishPasskeyRegistration(ctx context.Context, u User, handle, name, response string) (Passkey, error) {
	rp, err := s.relyingParty()
	if err != nil {
		return Passkey{}, err
	}
	name, err = checkPasskeyName(name)
	if err != nil {
		return Passkey{}, err
	}
	c, sd, err := s.takeCeremony(ctx, handle, ceremonyRegister)
	if err != nil {
		return Passkey{}, err
	}
	if c.UserID != u.ID {
		return Passkey{}, ErrCeremonyExpiry
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes([]byte(response))
	if err != nil {
		return Passkey{}, fmt.Errorf("%w: %w", ErrPasskeyRefused, err)
	}
	_, creds, err := s.credentials(ctx, u)
	if err != nil {
		return Passkey{}, err
	}
	cred, err := rp.CreateCredential(waUser{u, creds}, sd, parsed)
	if err != nil {
		return Passkey{}, fmt.Errorf("%w: %w", ErrPasskeyRefused, err)
	}
	record, err := json.Marshal(cred)
	if err != nil {
		return Passkey{}, err
	}
	p := Passkey{UserID: u.ID, CredentialID: cred.ID, PublicKey: cred.PublicKey, SignCount: cred.Authenticator.SignCount,
		Name: name, Record: record, CreatedAt: s.now().UTC()}
	err = audit.WithinOutcome(ctx, func(o audit.Outcome) audit.Entry {
		return audit.Entry{At: s.now(), Actor: u.Email, Action: "passkey.add", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10), Detail: name}
	}, func(ctx context.Context) error {
		var err error
		p, err = s.store.AddPasskey(ctx, p)
		return err
	})
	return p, err
}

// RemovePasskey removes one of u's passkeys, unless it is the last second
// factor of the account.
func (s *Service) RemovePasskey(ctx context.Context, u User, id int64) error {
	keys, err := s.store.UserPasskeys(ctx, u.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(keys, func(k Passkey) bool { return k.ID == id })
	if i < 0 {
		return ErrNotFound
	}
	if len(keys) == 1 && (u.TOTPSecret == "" || s.PasskeyRequired(u.Role)) {
		return ErrLastFactor
	}
	return audit.Within(ctx, audit.Entry{At: s.now(), Actor: u.Email, Action: "passkey.remove", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10), Detail: keys[i].Name},
		func(ctx context.Context) error {
			err := s.store.DeletePasskey(ctx, u.ID, id)
			if errors.Is(err, ErrNotFound) {
				// Gone meanwhile, or the TOTP seed was: either way the
				// account would be left without a second factor.
				return ErrLastFactor
			}
			return err
		})
}

// RemoveTOTP drops u's TOTP seed, which only an account with a passkey
// may do.
func (s *Service) RemoveTOTP(ctx context.Context, u User) error {
	if u.TOTPSecret == "" {
		return ErrNotFound
	}
	return audit.Within(ctx, audit.Entry{At: s.now(), Actor: u.Email, Action: "totp.remove", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10)},
		func(ctx context.Context) error {
			if errors.Is(s.store.RemoveTOTP(ctx, u.ID), ErrNotFound) {
				return ErrLastFactor
			}
			return nil
		})
}

// TOTPAllowed tells whether u may finish a sign-in with a TOTP code: the
// account has a seed, and its role does not require a passkey unless the
// account has none yet (it is then sent to register one).
func (s *Service) TOTPAllowed(u User, hasPasskey bool) bool {
	return u.TOTPSecret != "" && !(hasPasskey && s.PasskeyRequired(u.Role))
}

// BeginPasskeyLogin starts the passkey step of u's sign-in, once the
// password was right. It returns the handle that finishes the step and the
// options for navigator.credentials.get (JSON).
func (s *Service) BeginPasskeyLogin(ctx context.Context, u User) (handle string, options []byte, err error) {
	rp, err := s.relyingParty()
	if err != nil {
		return "", nil, err
	}
	_, creds, err := s.credentials(ctx, u)
	if err != nil {
		return "", nil, err
	}
	assertion, sd, err := rp.BeginLogin(waUser{u, creds}, webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return "", nil, fmt.Errorf("begin passkey sign-in: %w", err)
	}
	if options, err = json.Marshal(assertion); err != nil {
		return "", nil, err
	}
	handle, err = s.saveCeremony(ctx, u, ceremonyLogin, sd)
	return handle, options, err
}

// FinishSecondStep ends the second step of a sign-in begun by
// BeginPasskeyLogin: with the browser's answer (JSON of the
// PublicKeyCredential), or with a TOTP code where the account may use one.
// The handle serves once; every outcome is in the trail.
func (s *Service) FinishSecondStep(ctx context.Context, handle, response, code string) (User, error) {
	c, sd, err := s.takeCeremony(ctx, handle, ceremonyLogin)
	if err != nil {
		return User{}, err
	}
	u, err := s.store.UserByID(ctx, c.UserID)
	if err != nil {
		return User{}, err
	}
	id := strconv.FormatInt(u.ID, 10)
	fail := func(why string) (User, error) {
		err := audit.Within(ctx, audit.Entry{At: s.now(), Actor: u.Email, Action: "login.failed", ObjectType: "user", ObjectID: id, Detail: why},
			func(ctx context.Context) error { return s.store.RecordLoginFailure(ctx, u.ID) })
		if err != nil {
			return u, err
		}
		return u, ErrBadCredentials
	}
	if u.Disabled {
		return fail("disabled")
	}
	keys, creds, err := s.credentials(ctx, u)
	if err != nil {
		return u, err
	}
	if response == "" {
		if !s.TOTPAllowed(u, len(keys) > 0) {
			return fail("totp not allowed")
		}
		step, ok := s.validCode(u.TOTPSecret, code)
		if !ok {
			return fail("totp")
		}
		err := audit.Within(ctx, audit.Entry{At: s.now(), Actor: u.Email, Action: "login", ObjectType: "user", ObjectID: id, Detail: "totp"},
			func(ctx context.Context) error { return s.store.RecordLoginSuccess(ctx, u.ID, step) })
		if errors.Is(err, ErrCodeReused) {
			return fail("totp reused")
		}
		if err == nil {
			s.forgetAttempts(ctx, u)
		}
		return u, err
	}
	rp, err := s.relyingParty()
	if err != nil {
		return u, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes([]byte(response))
	if err != nil {
		return fail("passkey unreadable")
	}
	cred, err := rp.ValidateLogin(waUser{u, creds}, sd, parsed)
	if err != nil {
		return fail("passkey refused")
	}
	// A counter that did not move forward means two copies of the key:
	// the sign-in is refused, and the stored count stays.
	if cred.Authenticator.CloneWarning {
		return fail("passkey sign count")
	}
	i := slices.IndexFunc(keys, func(k Passkey) bool { return bytes.Equal(k.CredentialID, cred.ID) })
	if i < 0 {
		return fail("passkey unknown")
	}
	record, err := json.Marshal(cred)
	if err != nil {
		return u, err
	}
	err = audit.Within(ctx, audit.Entry{At: s.now(), Actor: u.Email, Action: "login", ObjectType: "user", ObjectID: id, Detail: "passkey " + keys[i].Name},
		func(ctx context.Context) error {
			return s.store.RecordPasskeyLogin(ctx, u.ID, keys[i].ID, cred.Authenticator.SignCount, record, s.now().UTC())
		})
	if errors.Is(err, ErrSignCount) {
		return fail("passkey sign count")
	}
	if err == nil {
		s.forgetAttempts(ctx, u)
	}
	return u, err
}

// EnrolmentTOTP returns the TOTP seed an enrolment link offers, and its
// otpauth:// URI. The server makes the seed the first time the link is
// opened and keeps it with the link: the form never carries it.
func (s *Service) EnrolmentTOTP(ctx context.Context, token string) (u User, secret, uri string, err error) {
	u, err = s.EnrolmentUser(ctx, token)
	if err != nil {
		return u, "", "", err
	}
	fresh, _, err := s.NewTOTPSecret(u.Email)
	if err != nil {
		return u, "", "", err
	}
	secret, err = s.store.OfferEnrolmentSecret(ctx, HashToken(token), fresh)
	if err != nil {
		return u, "", "", err
	}
	return u, secret, totpURI(s.policy.Issuer, u.Email, secret), nil
}

// totpURI is the otpauth:// link of a seed, as authenticator apps read it.
func totpURI(issuer, account, secret string) string {
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", "6")
	v.Set("period", "30")
	return "otpauth://totp/" + url.PathEscape(issuer+":"+account) + "?" + v.Encode()
}

// ceremonyTOTP is a TOTP seed offered on the passkeys page, kept on the
// server until a code proves it, as enrolment does; the time to set up an
// app is longer than a WebAuthn prompt.
const (
	ceremonyTOTP = "totp"
	totpOfferTTL = 15 * time.Minute
)

// OfferTOTP makes a TOTP seed for u, who has none, and keeps it on the
// server under the returned handle; the page shows the seed and its URI.
func (s *Service) OfferTOTP(ctx context.Context, u User) (handle, secret, uri string, err error) {
	if u.TOTPSecret != "" {
		return "", "", "", ErrNotFound
	}
	if secret, _, err = s.NewTOTPSecret(u.Email); err != nil {
		return "", "", "", err
	}
	if handle, err = newToken(); err != nil {
		return "", "", "", err
	}
	c := Ceremony{HandleHash: HashToken(handle), UserID: u.ID, Kind: ceremonyTOTP, Session: []byte(secret), Expires: s.now().Add(totpOfferTTL)}
	if err := s.store.SaveCeremony(ctx, c); err != nil {
		return "", "", "", err
	}
	return handle, secret, totpURI(s.policy.Issuer, u.Email, secret), nil
}

// AddTOTP sets the seed offered under handle as u's TOTP, once u has shown
// a code from it. The seed comes from the server's keeping, never from the
// form.
func (s *Service) AddTOTP(ctx context.Context, u User, handle, code string) error {
	if handle == "" {
		return ErrCeremonyExpiry
	}
	c, err := s.store.TakeCeremony(ctx, HashToken(handle), ceremonyTOTP, s.now())
	if errors.Is(err, ErrNotFound) || err == nil && c.UserID != u.ID {
		return ErrCeremonyExpiry
	}
	if err != nil {
		return err
	}
	secret := string(c.Session)
	step, ok := s.validCode(secret, code)
	if !ok {
		return problem.New("account.totp_mismatch")
	}
	return audit.Within(ctx, audit.Entry{At: s.now(), Actor: u.Email, Action: "totp.add", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10)},
		func(ctx context.Context) error { return s.store.SetTOTP(ctx, u.ID, secret, step) })
}

// forgetAttempts clears the sign-in attempts of u from this address once a
// second step succeeded, as Login does for a sign-in in one step. The key
// is Login's, with the address as the account stores it.
func (s *Service) forgetAttempts(ctx context.Context, u User) {
	s.attempts.Forget(u.Email + "|" + audit.SourceFrom(ctx))
}
