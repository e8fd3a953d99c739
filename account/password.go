package account

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
	"golang.org/x/crypto/argon2"

	"github.com/vigie-platform/vigie/problem"
)

// Argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, one
// lane). Stored with each hash, so raising them later only affects new
// passwords.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// Password length rules: long passphrases are encouraged, and the cap
// keeps hashing cost bounded.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 256
)

// MinPasswordScore is the least zxcvbn score (0 to 4) a new password must
// reach: 3 stands for about 10^8 guesses or more, which, at argon2id's cost
// per guess, puts an offline attack on a stolen hash out of reach for a
// password that no dictionary or pattern finds sooner.
const MinPasswordScore = 3

// localWords are words that zxcvbn's English dictionaries and QWERTY
// keyboard graphs do not know but that people here choose: French common
// passwords, the AZERTY rows, and the names of the product and of the
// services that use it. They are scored as the most guessable words.
var localWords = strings.Fields(`
	vigie pharos police gendarmerie douane douanes interpol europol signalement signalements
	ministere interieur cybercrime cyber plateforme analyste superviseur
	azerty azertyuiop qsdfghjklm wxcvbn azerty123 azertyuiop123
	motdepasse motdepasse123 soleil jetaime doudou chouchou bonjour marseille
	loulou nicolas camille chocolat princesse coucou bisous amour france paris
	bienvenue secret secret123 admin administrateur utilisateur
`)

// CheckPasswordRules says what is wrong with a new password, if anything.
// personal are words of the account (its e-mail address) that must not
// carry the password's strength.
func CheckPasswordRules(pw string, personal ...string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case !utf8.ValidString(pw):
		return problem.New("account.password_utf8")
	case n < MinPasswordLength:
		return problem.New("account.password_short", MinPasswordLength)
	case n > MaxPasswordLength:
		return problem.New("account.password_long", MaxPasswordLength)
	}
	if PasswordScore(pw, personal...) < MinPasswordScore {
		return problem.New("account.password_weak")
	}
	return nil
}

// PasswordScore is zxcvbn's estimate (0 to 4) of how hard pw is to guess,
// knowing the local words and the account's own words.
func PasswordScore(pw string, personal ...string) int {
	inputs := append([]string(nil), localWords...)
	for _, p := range personal {
		// An e-mail address gives itself, its local part, its domain and
		// each of their words.
		p = strings.ToLower(p)
		local, domain, _ := strings.Cut(p, "@")
		inputs = append(inputs, p, local, domain)
		inputs = append(inputs, strings.FieldsFunc(p, func(r rune) bool {
			return r == '@' || r == '.' || r == '-' || r == '_' || r == '+'
		})...)
	}
	return zxcvbn.PasswordStrength(pw, inputs).Score
}

// HashPassword derives an argon2id hash in the PHC string format.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// PasswordMatches checks pw against a PHC string made by HashPassword.
func PasswordMatches(pw, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("password hash: not an argon2id PHC string")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errors.New("password hash: unsupported version")
	}
	var mem, iters uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iters, &threads); err != nil || mem == 0 || iters == 0 || threads == 0 || mem > 1<<20 {
		return false, errors.New("password hash: bad parameters")
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false, errors.New("password hash: bad salt")
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 128 {
		return false, errors.New("password hash: bad key")
	}
	got := argon2.IDKey([]byte(pw), salt, iters, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
