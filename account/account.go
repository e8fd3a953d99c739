// Package account is who may enter the workspace: users with a role,
// passwords (argon2id), TOTP second factor, one-time enrolment links and
// sessions with idle and absolute limits.
package account

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/problem"
)

// Role is what a user is for. Permissions per role are in package access.
type Role string

const (
	RoleAdmin       Role = "admin"
	RoleSupervisor  Role = "supervisor"
	RoleAnalyst     Role = "analyst"
	RoleAuditor     Role = "auditor"
	RoleDestination Role = "destination"
	// RoleOversight is the qualified person who reviews blocking and
	// delisting requests before they enter a feed (LCEN art. 6-1): apart
	// from the analysts, who make the requests.
	RoleOversight Role = "oversight"
)

// Roles lists every role, in the order screens show them.
var Roles = []Role{RoleAdmin, RoleSupervisor, RoleAnalyst, RoleAuditor, RoleDestination, RoleOversight}

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", problem.New("account.unknown_role", s)
}

// User is one account.
type User struct {
	ID           int64
	Email        string
	Role         Role
	Destination  string // the service a destination user works for
	PasswordHash string // argon2id PHC string; empty until enrolled
	TOTPSecret   string // base32; empty until enrolled
	TOTPLastStep int64  // last accepted TOTP time step, so a code works once
	Disabled     bool
	FailedLogins int // failed sign-ins since the last one that succeeded
	CreatedAt    time.Time
}

// Enrolled tells whether the user has enrolled: set a password and a
// second factor. The password tells it: enrolment sets both at once, and
// no second factor is removed without another left (RemovePasskey,
// RemoveTOTP), so an account whose TOTP gave way to passkeys stays
// enrolled.
func (u User) Enrolled() bool { return u.PasswordHash != "" }

// Session is a signed-in browser. Only the token's hash is stored.
type Session struct {
	TokenHash []byte
	UserID    int64
	CreatedAt time.Time
	LastSeen  time.Time
	UserAgent string // the browser's description, bounded, as it said it
	Source    string // the client address the session was opened from
}

// Errors.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = problem.New("account.exists")
	// ErrBadCredentials is all a failed login tells: it does not say which
	// of e-mail, password or code was wrong, nor whether the account exists.
	ErrBadCredentials = errors.New("e-mail, password or code incorrect")
	// ErrThrottled: too many sign-in attempts on this account from this
	// address; the same for an account that does not exist.
	ErrThrottled  = errors.New("too many attempts on this account from this address")
	ErrCodeReused = errors.New("this code was already used")
)

// Store keeps accounts and sessions.
type Store interface {
	CreateUser(ctx context.Context, u User) (User, error)
	UserByEmail(ctx context.Context, email string) (User, error)
	UserByID(ctx context.Context, id int64) (User, error)
	ListUsers(ctx context.Context) ([]User, error)
	SetUserDisabled(ctx context.Context, id int64, disabled bool) error
	// SetCredentials stores a password hash and TOTP secret (enrolment).
	SetCredentials(ctx context.Context, id int64, passwordHash, totpSecret string) error
	// RecordLoginFailure counts a failed sign-in (the account never
	// locks: see Policy.Attempts).
	RecordLoginFailure(ctx context.Context, id int64) error
	// RecordLoginSuccess resets the failures and records the TOTP step; it
	// fails with ErrCodeReused when that step (or a later one) was used.
	RecordLoginSuccess(ctx context.Context, id int64, totpStep int64) error

	CreateEnrolment(ctx context.Context, tokenHash []byte, userID int64, expires time.Time) error
	EnrolmentUser(ctx context.Context, tokenHash []byte, now time.Time) (int64, error)
	DeleteEnrolment(ctx context.Context, tokenHash []byte) error

	CreateSession(ctx context.Context, s Session) error
	SessionByHash(ctx context.Context, tokenHash []byte) (Session, error)
	TouchSession(ctx context.Context, tokenHash []byte, at time.Time) error
	DeleteSession(ctx context.Context, tokenHash []byte) error
	DeleteUserSessions(ctx context.Context, userID int64) error
	// UserSessions lists a user's sessions, most recently used first.
	UserSessions(ctx context.Context, userID int64) ([]Session, error)
	// DeleteUserSession ends one session of the user (ErrNotFound when the
	// session is not theirs); DeleteOtherSessions all but keep.
	DeleteUserSession(ctx context.Context, userID int64, tokenHash []byte) error
	DeleteOtherSessions(ctx context.Context, userID int64, keep []byte) error
	// SetPassword replaces the password hash and ends the user's sessions
	// other than keep, in one transaction.
	SetPassword(ctx context.Context, id int64, passwordHash string, keep []byte) error

	// AppendAudit records a sign-in attempt that changes nothing (an
	// unknown address, a locked account); changes are recorded in their
	// own transaction instead (audit.Within).
	AppendAudit(ctx context.Context, e audit.Entry) (audit.Entry, error)

	PasskeyStore
}

// NormaliseEmail checks an address and lower-cases it, so that one person
// has one account whatever the case they type.
func NormaliseEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s, "@") || len(s) > 254 {
		return "", problem.New("account.invalid_email", s)
	}
	return strings.ToLower(s), nil
}
