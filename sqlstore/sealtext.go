package sqlstore

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/vigie-platform/vigie/keyring"
)

// Short secrets kept in text columns while a ceremony is under way (the
// TOTP seed an enrolment link offers, a passkey ceremony's session, which
// may carry a seed offered to an account) are sealed under the accounts'
// data key when the store encrypts, like the seeds of accounts: a copy of
// the database does not give a second factor about to be made.

const sealedTextPrefix = "sealed:"

// sealText seals clear for a text column, bound to ad; in clear when the
// store does not encrypt, and "" stays "".
func (s *Store) sealText(ctx context.Context, q Execer, ad []byte, clear string) (string, error) {
	if s.keys == nil || clear == "" {
		return clear, nil
	}
	dek, _, err := s.dataKey(ctx, q, accountsKey, true)
	if err != nil {
		return "", err
	}
	sealed, err := keyring.Seal(dek, []byte(clear), ad)
	if err != nil {
		return "", err
	}
	return sealedTextPrefix + base64.RawStdEncoding.EncodeToString(sealed), nil
}

// openText reads what sealText stored.
func (s *Store) openText(ctx context.Context, q Execer, ad []byte, stored string) (string, error) {
	body, sealed := strings.CutPrefix(stored, sealedTextPrefix)
	if !sealed {
		return stored, nil
	}
	raw, err := base64.RawStdEncoding.DecodeString(body)
	if err != nil {
		return "", fmt.Errorf("sealed text: %w", err)
	}
	dek, _, err := s.dataKey(ctx, q, accountsKey, false)
	if err != nil {
		return "", err
	}
	clear, err := keyring.Open(dek, raw, ad)
	if err != nil {
		return "", fmt.Errorf("sealed text: %w", err)
	}
	return string(clear), nil
}

func enrolmentSeedAD(hash []byte) []byte {
	return keyring.AD("enrolments", "totp_secret", hex.EncodeToString(hash))
}

func ceremonyAD(hash []byte) []byte {
	return keyring.AD("passkey_ceremonies", "session", hex.EncodeToString(hash))
}
