package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/keyring"
)

const userColumns = `id, email, role, destination, password_hash, totp_secret, totp_last_step, disabled, failed_logins, created_at, totp_sealed`

// scanUser reads an account; a sealed TOTP seed is opened with the
// 'accounts' data key, read on the read pool (the key exists before any
// seed is sealed with it, and is kept in memory once unwrapped).
func (s *Store) scanUser(ctx context.Context) func(sc scanner) (account.User, error) {
	return func(sc scanner) (account.User, error) {
		var u account.User
		var role string
		var created int64
		var sealed []byte
		err := sc.Scan(&u.ID, &u.Email, &role, &u.Destination, &u.PasswordHash, &u.TOTPSecret, &u.TOTPLastStep, &u.Disabled, &u.FailedLogins, &created, &sealed)
		if errors.Is(err, sql.ErrNoRows) {
			return u, account.ErrNotFound
		}
		if err != nil {
			return u, err
		}
		u.Role = account.Role(role)
		u.CreatedAt = fromMicros(created)
		if sealed != nil {
			dek, _, err := s.dataKey(ctx, s.read, accountsKey, false)
			if err != nil {
				return u, fmt.Errorf("user %d TOTP seed: %w", u.ID, err)
			}
			seed, err := keyring.Open(dek, sealed, totpAD(u.ID))
			if err != nil {
				return u, fmt.Errorf("user %d TOTP seed: %w", u.ID, err)
			}
			u.TOTPSecret = string(seed)
		}
		return u, nil
	}
}

// CreateUser adds an account.
func (s *Store) CreateUser(ctx context.Context, u account.User) (_ account.User, err error) {
	defer s.Guard(&err)
	err = s.inTxOutcome(ctx, "create user", func(tx *sql.Tx) (audit.Outcome, error) {
		err := tx.QueryRowContext(ctx, s.rebind(`INSERT INTO users (email, role, destination, created_at) VALUES (?,?,?,?) RETURNING id`),
			u.Email, string(u.Role), u.Destination, micros(u.CreatedAt)).Scan(&u.ID)
		if err != nil && s.engine.IsUniqueViolation(err) {
			return audit.Outcome{}, account.ErrExists
		}
		return audit.Outcome{ObjectID: strconv.FormatInt(u.ID, 10), Changed: 1}, err
	})
	return u, err
}

// UserByEmail finds an account by its (normalised) e-mail.
func (s *Store) UserByEmail(ctx context.Context, email string) (_ account.User, err error) {
	defer s.Guard(&err)
	return s.scanUser(ctx)(s.write.QueryRowContext(ctx, s.rebind(`SELECT `+userColumns+` FROM users WHERE email = ?`), email))
}

// UserByID finds an account.
func (s *Store) UserByID(ctx context.Context, id int64) (_ account.User, err error) {
	defer s.Guard(&err)
	return s.scanUser(ctx)(s.read.QueryRowContext(ctx, s.rebind(`SELECT `+userColumns+` FROM users WHERE id = ?`), id))
}

// ListUsers lists every account by e-mail.
func (s *Store) ListUsers(ctx context.Context) (_ []account.User, err error) {
	defer s.Guard(&err)
	rows, err := s.read.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY email`)
	return collect(rows, err, "list users", s.scanUser(ctx))
}

// execOne runs one statement in a transaction of its own; missing is the
// answer when it changed no row (nil when that is not an error).
func (s *Store) execOne(ctx context.Context, what string, missing error, query string, args ...any) error {
	return s.inTxOutcome(ctx, what, func(tx *sql.Tx) (audit.Outcome, error) {
		res, err := tx.ExecContext(ctx, s.rebind(query), args...)
		if err != nil {
			return audit.Outcome{}, err
		}
		n, _ := res.RowsAffected()
		if n == 0 && missing != nil {
			return audit.Outcome{}, missing
		}
		return audit.Outcome{Changed: int(n)}, nil
	})
}

// SetUserDisabled disables or enables an account.
func (s *Store) SetUserDisabled(ctx context.Context, id int64, disabled bool) (err error) {
	defer s.Guard(&err)
	return s.execOne(ctx, "disable user", account.ErrNotFound, `UPDATE users SET disabled = ? WHERE id = ?`, disabled, id)
}

// SetCredentials stores a password hash and TOTP secret. When the store
// encrypts, the seed is sealed under the 'accounts' data key and the clear
// column stays empty: a copy of the database does not give the second
// factor.
func (s *Store) SetCredentials(ctx context.Context, id int64, hash, secret string) (err error) {
	defer s.Guard(&err)
	return s.inTxOutcome(ctx, "set credentials", func(tx *sql.Tx) (audit.Outcome, error) {
		clear, sealed := secret, []byte(nil)
		if s.keys != nil && secret != "" {
			dek, _, err := s.dataKey(ctx, tx, accountsKey, true)
			if err != nil {
				return audit.Outcome{}, err
			}
			if sealed, err = keyring.Seal(dek, []byte(secret), totpAD(id)); err != nil {
				return audit.Outcome{}, err
			}
			clear = ""
		}
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE users SET password_hash = ?, totp_secret = ?, totp_sealed = ?, totp_last_step = 0, failed_logins = 0, locked_until = 0 WHERE id = ?`),
			hash, clear, sealed, id)
		if err != nil {
			return audit.Outcome{}, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return audit.Outcome{}, account.ErrNotFound
		}
		return audit.Outcome{Changed: 1}, nil
	})
}

// RecordLoginFailure counts a failed sign-in.
func (s *Store) RecordLoginFailure(ctx context.Context, id int64) (err error) {
	defer s.Guard(&err)
	return s.execOne(ctx, "login failure", account.ErrNotFound, `UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?`, id)
}

// RecordLoginSuccess resets failures and spends the TOTP step.
func (s *Store) RecordLoginSuccess(ctx context.Context, id int64, step int64) (err error) {
	defer s.Guard(&err)
	return s.execOne(ctx, "login success", account.ErrCodeReused,
		`UPDATE users SET failed_logins = 0, locked_until = 0, totp_last_step = ? WHERE id = ? AND totp_last_step < ?`, step, id, step)
}

// CreateEnrolment stores a one-time enrolment token's hash.
func (s *Store) CreateEnrolment(ctx context.Context, hash []byte, userID int64, expires time.Time) (err error) {
	defer s.Guard(&err)
	return s.execOne(ctx, "create enrolment", nil, `INSERT INTO enrolments (token_hash, user_id, expires_at) VALUES (?,?,?)`, hash, userID, micros(expires))
}

// EnrolmentUser finds the user of a valid enrolment token.
func (s *Store) EnrolmentUser(ctx context.Context, hash []byte, now time.Time) (_ int64, err error) {
	defer s.Guard(&err)
	var id int64
	err = s.write.QueryRowContext(ctx, s.rebind(`SELECT user_id FROM enrolments WHERE token_hash = ? AND expires_at > ?`), hash, micros(now)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, account.ErrNotFound
	}
	return id, err
}

// DeleteEnrolment spends a token.
func (s *Store) DeleteEnrolment(ctx context.Context, hash []byte) (err error) {
	defer s.Guard(&err)
	return s.execOne(ctx, "delete enrolment", account.ErrNotFound, `DELETE FROM enrolments WHERE token_hash = ?`, hash)
}

// CreateSession stores a session.
func (s *Store) CreateSession(ctx context.Context, sess account.Session) (err error) {
	defer s.Guard(&err)
	return s.execOne(ctx, "create session", nil, `INSERT INTO sessions (token_hash, user_id, created_at, last_seen, user_agent, source) VALUES (?,?,?,?,?,?)`,
		sess.TokenHash, sess.UserID, micros(sess.CreatedAt), micros(sess.LastSeen), sess.UserAgent, sess.Source)
}

const sessionColumns = `token_hash, user_id, created_at, last_seen, user_agent, source`

func scanSession(sc scanner) (account.Session, error) {
	var sess account.Session
	var created, seen int64
	err := sc.Scan(&sess.TokenHash, &sess.UserID, &created, &seen, &sess.UserAgent, &sess.Source)
	if errors.Is(err, sql.ErrNoRows) {
		return sess, account.ErrNotFound
	}
	sess.CreatedAt, sess.LastSeen = fromMicros(created), fromMicros(seen)
	return sess, err
}

// SessionByHash finds a session.
func (s *Store) SessionByHash(ctx context.Context, hash []byte) (_ account.Session, err error) {
	defer s.Guard(&err)
	return scanSession(s.read.QueryRowContext(ctx, s.rebind(`SELECT `+sessionColumns+` FROM sessions WHERE token_hash = ?`), hash))
}

// UserSessions lists a user's sessions, the most recently used first.
func (s *Store) UserSessions(ctx context.Context, userID int64) (_ []account.Session, err error) {
	defer s.Guard(&err)
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT `+sessionColumns+` FROM sessions WHERE user_id = ? ORDER BY last_seen DESC, created_at DESC`), userID)
	return collect(rows, err, "list sessions", scanSession)
}

// DeleteUserSession ends one of a user's sessions; a session of another
// user is not found.
func (s *Store) DeleteUserSession(ctx context.Context, userID int64, hash []byte) (err error) {
	defer s.Guard(&err)
	return s.execOne(ctx, "delete session", account.ErrNotFound, `DELETE FROM sessions WHERE user_id = ? AND token_hash = ?`, userID, hash)
}

// DeleteOtherSessions ends every session of a user but keep.
func (s *Store) DeleteOtherSessions(ctx context.Context, userID int64, keep []byte) (err error) {
	defer s.Guard(&err)
	return s.execOne(ctx, "delete other sessions", nil, `DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?`, userID, keep)
}

// SetPassword replaces a password hash and ends the user's sessions other
// than keep, in one transaction: a password that leaked stops working
// everywhere at the moment it changes.
func (s *Store) SetPassword(ctx context.Context, id int64, hash string, keep []byte) (err error) {
	defer s.Guard(&err)
	return s.inTxOutcome(ctx, "set password", func(tx *sql.Tx) (audit.Outcome, error) {
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE users SET password_hash = ? WHERE id = ?`), hash, id)
		if err != nil {
			return audit.Outcome{}, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return audit.Outcome{}, account.ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?`), id, keep); err != nil {
			return audit.Outcome{}, err
		}
		return audit.Outcome{Changed: 1}, nil
	})
}

// TouchSession records activity.
func (s *Store) TouchSession(ctx context.Context, hash []byte, at time.Time) (err error) {
	defer s.Guard(&err)
	return s.execOne(ctx, "touch session", nil, `UPDATE sessions SET last_seen = ? WHERE token_hash = ?`, micros(at), hash)
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, hash []byte) (err error) {
	defer s.Guard(&err)
	return s.execOne(ctx, "delete session", nil, `DELETE FROM sessions WHERE token_hash = ?`, hash)
}

// DeleteUserSessions ends every session of a user.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) (err error) {
	defer s.Guard(&err)
	return s.execOne(ctx, "delete sessions", nil, `DELETE FROM sessions WHERE user_id = ?`, userID)
}
