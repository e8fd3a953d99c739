package report

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"strings"
)

// Receipts and secrets use Crockford's base32: no I, L, O or U, so that a
// code read aloud on the phone or copied by hand survives.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

func randomBase32(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("report: no randomness: " + err.Error()) // crypto/rand never fails on Linux
	}
	out := make([]byte, n)
	for i, v := range b {
		out[i] = crockford[v&31]
	}
	return string(out)
}

// NewReceipt returns a code like VG-7K3P-9QXM (40 bits). Stores retry on
// the rare collision.
func NewReceipt() string {
	s := randomBase32(8)
	return "VG-" + s[:4] + "-" + s[4:]
}

// normaliseCode upper-cases a typed code, drops separators and spaces and
// maps look-alike letters as Crockford's alphabet prescribes.
func normaliseCode(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == 'O':
			b.WriteByte('0')
		case r == 'I' || r == 'L':
			b.WriteByte('1')
		case r >= '0' && r <= '9', r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		}
	}
	return b.String()
}

// NormaliseReceipt turns what a reporter typed into the stored form, or ""
// when it cannot be a receipt.
func NormaliseReceipt(s string) string {
	c := normaliseCode(s)
	if len(c) == 10 && strings.HasPrefix(c, "VG") {
		c = c[2:]
	}
	if len(c) != 8 {
		return ""
	}
	return "VG-" + c[:4] + "-" + c[4:]
}

// HashSecret returns the digest under which a follow-up secret is kept. The
// secret carries 120 random bits, so a plain SHA-256 is enough: there is no
// dictionary to attack.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(normaliseCode(secret)))
	return h[:]
}

// SecretMatches compares a typed secret with a stored hash in constant time.
func SecretMatches(secret string, hash []byte) bool {
	return subtle.ConstantTimeCompare(HashSecret(secret), hash) == 1
}
