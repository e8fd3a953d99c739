package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/vigie-platform/vigie/account"
)

// Workspace implements the workspace's stores (accounts, triage, cases,
// search) over a database; each adapter embeds one with its own pools.
type Workspace struct {
	q     *Queries
	read  *sql.DB
	write *sql.DB
}

// NewWorkspace binds the workspace queries to a reader and a writer pool
// (the same pool on PostgreSQL).
func NewWorkspace(q *Queries, read, write *sql.DB) *Workspace {
	return &Workspace{q: q, read: read, write: write}
}

const userColumns = `id, email, role, destination, password_hash, totp_secret, totp_last_step, disabled, failed_logins, locked_until, created_at`

func scanUser(sc interface{ Scan(...any) error }) (account.User, error) {
	var u account.User
	var role string
	var locked, created int64
	err := sc.Scan(&u.ID, &u.Email, &role, &u.Destination, &u.PasswordHash, &u.TOTPSecret, &u.TOTPLastStep, &u.Disabled, &u.FailedLogins, &locked, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return u, account.ErrNotFound
	}
	u.Role = account.Role(role)
	if locked > 0 {
		u.LockedUntil = fromMicros(locked)
	}
	u.CreatedAt = fromMicros(created)
	return u, err
}

// CreateUser adds an account.
func (w *Workspace) CreateUser(ctx context.Context, u account.User) (account.User, error) {
	err := w.write.QueryRowContext(ctx, w.q.Q(`INSERT INTO users (email, role, destination, created_at) VALUES (?,?,?,?) RETURNING id`),
		u.Email, string(u.Role), u.Destination, micros(u.CreatedAt)).Scan(&u.ID)
	if err != nil && w.q.dialect.IsUniqueViolation(err) {
		return u, account.ErrExists
	}
	if err != nil {
		return u, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// UserByEmail finds an account by its (normalised) e-mail.
func (w *Workspace) UserByEmail(ctx context.Context, email string) (account.User, error) {
	return scanUser(w.write.QueryRowContext(ctx, w.q.Q(`SELECT `+userColumns+` FROM users WHERE email = ?`), email))
}

// UserByID finds an account.
func (w *Workspace) UserByID(ctx context.Context, id int64) (account.User, error) {
	return scanUser(w.read.QueryRowContext(ctx, w.q.Q(`SELECT `+userColumns+` FROM users WHERE id = ?`), id))
}

// ListUsers lists every account by e-mail.
func (w *Workspace) ListUsers(ctx context.Context) ([]account.User, error) {
	rows, err := w.read.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []account.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func (w *Workspace) execOne(ctx context.Context, what, query string, args ...any) error {
	res, err := w.write.ExecContext(ctx, w.q.Q(query), args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return account.ErrNotFound
	}
	return nil
}

// SetUserDisabled disables or enables an account.
func (w *Workspace) SetUserDisabled(ctx context.Context, id int64, disabled bool) error {
	return w.execOne(ctx, "disable user", `UPDATE users SET disabled = ? WHERE id = ?`, disabled, id)
}

// SetCredentials stores a password hash and TOTP secret.
func (w *Workspace) SetCredentials(ctx context.Context, id int64, hash, secret string) error {
	return w.execOne(ctx, "set credentials", `UPDATE users SET password_hash = ?, totp_secret = ?, totp_last_step = 0, failed_logins = 0, locked_until = 0 WHERE id = ?`, hash, secret, id)
}

// RecordLoginFailure counts a failure and locks at the threshold, in one
// statement so that instances racing on one account count every failure.
func (w *Workspace) RecordLoginFailure(ctx context.Context, id int64, lockAfter int, lockUntil time.Time) error {
	return w.execOne(ctx, "login failure", `UPDATE users SET failed_logins = failed_logins + 1,
		locked_until = CASE WHEN failed_logins + 1 >= ? THEN ? ELSE locked_until END WHERE id = ?`, lockAfter, micros(lockUntil), id)
}

// RecordLoginSuccess resets failures and spends the TOTP step.
func (w *Workspace) RecordLoginSuccess(ctx context.Context, id int64, step int64) error {
	res, err := w.write.ExecContext(ctx, w.q.Q(`UPDATE users SET failed_logins = 0, locked_until = 0, totp_last_step = ? WHERE id = ? AND totp_last_step < ?`), step, id, step)
	if err != nil {
		return fmt.Errorf("login success: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return account.ErrCodeReused
	}
	return nil
}

// CreateEnrolment stores a one-time enrolment token's hash.
func (w *Workspace) CreateEnrolment(ctx context.Context, hash []byte, userID int64, expires time.Time) error {
	if _, err := w.write.ExecContext(ctx, w.q.Q(`INSERT INTO enrolments (token_hash, user_id, expires_at) VALUES (?,?,?)`), hash, userID, micros(expires)); err != nil {
		return fmt.Errorf("create enrolment: %w", err)
	}
	return nil
}

// EnrolmentUser finds the user of a valid enrolment token.
func (w *Workspace) EnrolmentUser(ctx context.Context, hash []byte, now time.Time) (int64, error) {
	var id int64
	err := w.write.QueryRowContext(ctx, w.q.Q(`SELECT user_id FROM enrolments WHERE token_hash = ? AND expires_at > ?`), hash, micros(now)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, account.ErrNotFound
	}
	return id, err
}

// DeleteEnrolment spends a token.
func (w *Workspace) DeleteEnrolment(ctx context.Context, hash []byte) error {
	return w.execOne(ctx, "delete enrolment", `DELETE FROM enrolments WHERE token_hash = ?`, hash)
}

// CreateSession stores a session.
func (w *Workspace) CreateSession(ctx context.Context, s account.Session) error {
	if _, err := w.write.ExecContext(ctx, w.q.Q(`INSERT INTO sessions (token_hash, user_id, created_at, last_seen) VALUES (?,?,?,?)`),
		s.TokenHash, s.UserID, micros(s.CreatedAt), micros(s.LastSeen)); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// SessionByHash finds a session.
func (w *Workspace) SessionByHash(ctx context.Context, hash []byte) (account.Session, error) {
	s := account.Session{TokenHash: hash}
	var created, seen int64
	err := w.read.QueryRowContext(ctx, w.q.Q(`SELECT user_id, created_at, last_seen FROM sessions WHERE token_hash = ?`), hash).Scan(&s.UserID, &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return s, account.ErrNotFound
	}
	s.CreatedAt, s.LastSeen = fromMicros(created), fromMicros(seen)
	return s, err
}

// TouchSession records activity.
func (w *Workspace) TouchSession(ctx context.Context, hash []byte, at time.Time) error {
	_, err := w.write.ExecContext(ctx, w.q.Q(`UPDATE sessions SET last_seen = ? WHERE token_hash = ?`), micros(at), hash)
	return err
}

// DeleteSession ends a session.
func (w *Workspace) DeleteSession(ctx context.Context, hash []byte) error {
	_, err := w.write.ExecContext(ctx, w.q.Q(`DELETE FROM sessions WHERE token_hash = ?`), hash)
	return err
}

// DeleteUserSessions ends every session of a user.
func (w *Workspace) DeleteUserSessions(ctx context.Context, userID int64) error {
	_, err := w.write.ExecContext(ctx, w.q.Q(`DELETE FROM sessions WHERE user_id = ?`), userID)
	return err
}
