package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/keyring"
)

const passkeyColumns = `id, user_id, credential_id, public_key, sign_count, name, record, created_at, last_used_at`

func scanPasskey(sc scanner) (account.Passkey, error) {
	var p account.Passkey
	var signCount, created, used int64
	var record string
	err := sc.Scan(&p.ID, &p.UserID, &p.CredentialID, &p.PublicKey, &signCount, &p.Name, &record, &created, &used)
	p.SignCount, p.Record, p.CreatedAt = uint32(signCount), []byte(record), fromMicros(created)
	if used != 0 {
		p.LastUsedAt = fromMicros(used)
	}
	return p, err
}

// AddPasskey stores a new passkey of a user.
func (s *Store) AddPasskey(ctx context.Context, p account.Passkey) (_ account.Passkey, err error) {
	defer s.Guard(&err)
	err = s.inTxOutcome(ctx, "add passkey", func(tx *sql.Tx) (audit.Outcome, error) {
		err := tx.QueryRowContext(ctx, s.rebind(`INSERT INTO passkeys (user_id, credential_id, public_key, sign_count, name, record, created_at)
			VALUES (?,?,?,?,?,?,?) RETURNING id`),
			p.UserID, p.CredentialID, p.PublicKey, int64(p.SignCount), p.Name, string(p.Record), micros(p.CreatedAt)).Scan(&p.ID)
		if err != nil && s.engine.IsUniqueViolation(err) {
			return audit.Outcome{}, account.ErrPasskeyExists
		}
		return audit.Outcome{ObjectID: strconv.FormatInt(p.UserID, 10), Changed: 1}, err
	})
	return p, err
}

// UserPasskeys lists a user's passkeys, oldest first.
func (s *Store) UserPasskeys(ctx context.Context, userID int64) (_ []account.Passkey, err error) {
	defer s.Guard(&err)
	// The writer's pool: a passkey just added or used is seen at once.
	rows, err := s.write.QueryContext(ctx, s.rebind(`SELECT `+passkeyColumns+` FROM passkeys WHERE user_id = ? ORDER BY id`), userID)
	return collect(rows, err, "list passkeys", scanPasskey)
}

// RecordPasskeyLogin moves a passkey's counter forward and resets the
// account's failures. The counter only moves forward (both zero: an
// authenticator that keeps none), checked in the statement itself so that
// two sign-ins racing with one counter value cannot both pass.
func (s *Store) RecordPasskeyLogin(ctx context.Context, userID, passkeyID int64, signCount uint32, record []byte, at time.Time) (err error) {
	defer s.Guard(&err)
	return s.inTxOutcome(ctx, "passkey login", func(tx *sql.Tx) (audit.Outcome, error) {
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE passkeys SET sign_count = ?, record = ?, last_used_at = ?
			WHERE id = ? AND user_id = ? AND (sign_count < ? OR (sign_count = 0 AND ? = 0))`),
			int64(signCount), string(record), micros(at), passkeyID, userID, int64(signCount), int64(signCount))
		if err != nil {
			return audit.Outcome{}, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return audit.Outcome{}, account.ErrSignCount
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE users SET failed_logins = 0 WHERE id = ?`), userID); err != nil {
			return audit.Outcome{}, err
		}
		return audit.Outcome{Changed: 1}, nil
	})
}

// DeletePasskey removes a passkey unless it is the account's last second
// factor; the check is in the statement, so two removals at once cannot
// leave the account with none.
func (s *Store) DeletePasskey(ctx context.Context, userID, passkeyID int64) (err error) {
	defer s.Guard(&err)
	return s.execOne(ctx, "delete passkey", account.ErrNotFound, `DELETE FROM passkeys WHERE id = ? AND user_id = ?
		AND (EXISTS (SELECT 1 FROM users WHERE id = ? AND (totp_secret <> '' OR totp_sealed IS NOT NULL)) OR (SELECT count(*) FROM passkeys WHERE user_id = ?) > 1)`,
		passkeyID, userID, userID, userID)
}

// RemoveTOTP clears a TOTP seed, only while the account has a passkey.
func (s *Store) RemoveTOTP(ctx context.Context, userID int64) (err error) {
	defer s.Guard(&err)
	return s.execOne(ctx, "remove totp", account.ErrNotFound, `UPDATE users SET totp_secret = '', totp_sealed = NULL
		WHERE id = ? AND (totp_secret <> '' OR totp_sealed IS NOT NULL) AND EXISTS (SELECT 1 FROM passkeys WHERE user_id = ?)`, userID, userID)
}

// SaveCeremony keeps a WebAuthn ceremony in progress; expired ones of the
// same user are dropped on the way, so that the table stays small.
func (s *Store) SaveCeremony(ctx context.Context, c account.Ceremony) (err error) {
	defer s.Guard(&err)
	return s.inTxOutcome(ctx, "save ceremony", func(tx *sql.Tx) (audit.Outcome, error) {
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM passkey_ceremonies WHERE user_id = ? AND expires_at <= ?`), c.UserID, micros(time.Now())); err != nil {
			return audit.Outcome{}, err
		}
		session, err := s.sealText(ctx, tx, ceremonyAD(c.HandleHash), string(c.Session))
		if err != nil {
			return audit.Outcome{}, err
		}
		_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO passkey_ceremonies (handle_hash, user_id, kind, session, expires_at) VALUES (?,?,?,?,?)`),
			c.HandleHash, c.UserID, c.Kind, session, micros(c.Expires))
		return audit.Outcome{Changed: 1}, err
	})
}

// TakeCeremony deletes a ceremony and returns it if it is of kind and has
// not expired: deleting first makes a handle serve once, even when two
// answers race.
func (s *Store) TakeCeremony(ctx context.Context, hash []byte, kind string, now time.Time) (_ account.Ceremony, err error) {
	defer s.Guard(&err)
	c := account.Ceremony{HandleHash: hash}
	err = s.inTxOutcome(ctx, "take ceremony", func(tx *sql.Tx) (audit.Outcome, error) {
		var session string
		var expires int64
		err := tx.QueryRowContext(ctx, s.rebind(`DELETE FROM passkey_ceremonies WHERE handle_hash = ? RETURNING user_id, kind, session, expires_at`), hash).
			Scan(&c.UserID, &c.Kind, &session, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return audit.Outcome{}, account.ErrNotFound
		}
		if err != nil {
			return audit.Outcome{}, err
		}
		clear, err := s.openText(ctx, tx, ceremonyAD(hash), session)
		c.Session, c.Expires = []byte(clear), fromMicros(expires)
		return audit.Outcome{Changed: 1}, err
	})
	if err == nil && (c.Kind != kind || !now.Before(c.Expires)) {
		return account.Ceremony{}, account.ErrNotFound
	}
	return c, err
}

// OfferEnrolmentSecret keeps the TOTP seed of an enrolment link, the first
// one offered, and returns the one kept.
func (s *Store) OfferEnrolmentSecret(ctx context.Context, hash []byte, secret string) (_ string, err error) {
	defer s.Guard(&err)
	var kept string
	err = s.inTxOutcome(ctx, "offer enrolment secret", func(tx *sql.Tx) (audit.Outcome, error) {
		offered, err := s.sealText(ctx, tx, enrolmentSeedAD(hash), secret)
		if err != nil {
			return audit.Outcome{}, err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE enrolments SET totp_secret = ? WHERE token_hash = ? AND totp_secret = ''`), offered, hash); err != nil {
			return audit.Outcome{}, err
		}
		var stored string
		err = tx.QueryRowContext(ctx, s.rebind(`SELECT totp_secret FROM enrolments WHERE token_hash = ?`), hash).Scan(&stored)
		if errors.Is(err, sql.ErrNoRows) {
			return audit.Outcome{}, account.ErrNotFound
		}
		if err != nil {
			return audit.Outcome{}, err
		}
		kept, err = s.openText(ctx, tx, enrolmentSeedAD(hash), stored)
		return audit.Outcome{}, err
	})
	return kept, err
}

// SetTOTP gives a TOTP seed to an account that has none.
func (s *Store) SetTOTP(ctx context.Context, userID int64, secret string, usedStep int64) (err error) {
	defer s.Guard(&err)
	return s.inTxOutcome(ctx, "set totp", func(tx *sql.Tx) (audit.Outcome, error) {
		clear, sealed := secret, []byte(nil)
		if s.keys != nil {
			dek, _, err := s.dataKey(ctx, tx, accountsKey, true)
			if err != nil {
				return audit.Outcome{}, err
			}
			if sealed, err = keyring.Seal(dek, []byte(secret), totpAD(userID)); err != nil {
				return audit.Outcome{}, err
			}
			clear = ""
		}
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE users SET totp_secret = ?, totp_sealed = ?, totp_last_step = ?
			WHERE id = ? AND totp_secret = '' AND totp_sealed IS NULL`), clear, sealed, usedStep, userID)
		if err != nil {
			return audit.Outcome{}, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return audit.Outcome{}, account.ErrNotFound
		}
		return audit.Outcome{Changed: 1}, nil
	})
}
