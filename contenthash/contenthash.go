// Package contenthash names a hash by its kind and value: the exact
// hashes hash lists share (MD5, SHA-1, SHA-256 of a file's bytes) and the
// perceptual PDQ. Banks of known content hold such values; this package
// gives them one text form, "kind:value", and computes the exact ones.
package contenthash

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Kind is the kind of a hash.
type Kind string

// The kinds known. MD5 and SHA-1 are broken as cryptographic hashes but
// still what many shared hash lists carry; they are matched, never trusted
// for integrity.
const (
	MD5    Kind = "md5"
	SHA1   Kind = "sha1"
	SHA256 Kind = "sha256"
	PDQ    Kind = "pdq"
)

// Kinds lists the kinds, exact ones first.
var Kinds = []Kind{MD5, SHA1, SHA256, PDQ}

// hexLen is the length of each kind's value in hex digits.
func (k Kind) hexLen() int {
	switch k {
	case MD5:
		return 32
	case SHA1:
		return 40
	case SHA256, PDQ:
		return 64
	}
	return 0
}

// Exact reports whether equal values mean equal files (as opposed to
// similar images, for PDQ).
func (k Kind) Exact() bool { return k == MD5 || k == SHA1 || k == SHA256 }

// ParseKind reads a kind's name, in any case, accepting the spellings hash
// lists use: "sha-256", "SHA256", "photo_md5", "pdq_hash"…
func ParseKind(s string) (Kind, error) {
	n := strings.ToLower(strings.TrimSpace(s))
	n = strings.TrimPrefix(n, "photo_")
	n = strings.TrimPrefix(n, "video_")
	n = strings.TrimSuffix(n, "_hash")
	n = strings.ReplaceAll(n, "-", "")
	for _, k := range Kinds {
		if n == string(k) {
			return k, nil
		}
	}
	return "", fmt.Errorf("%w: unknown kind %q (known: md5, sha1, sha256, pdq)", ErrFormat, s)
}

// ErrFormat wraps every parsing error.
var ErrFormat = errors.New("contenthash: bad hash")

// Hash is a hash of a kind. Value is in lower-case hex. The zero Hash is
// no hash.
type Hash struct {
	Kind  Kind
	Value string
}

// New checks value for kind (hex digits of the kind's length, any case)
// and returns the hash with the value in lower case.
func New(kind Kind, value string) (Hash, error) {
	n := kind.hexLen()
	if n == 0 {
		return Hash{}, fmt.Errorf("%w: unknown kind %q", ErrFormat, kind)
	}
	if len(value) != n {
		return Hash{}, fmt.Errorf("%w: a %s value is %d hex digits, got %d characters", ErrFormat, kind, n, len(value))
	}
	for i := 0; i < len(value); i++ {
		c := value[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return Hash{}, fmt.Errorf("%w: %s value has %q at position %d, not a hex digit", ErrFormat, kind, c, i+1)
		}
	}
	return Hash{Kind: kind, Value: strings.ToLower(value)}, nil
}

// Parse reads the text form "kind:value" (kind as ParseKind reads it).
func Parse(s string) (Hash, error) {
	k, v, ok := strings.Cut(s, ":")
	if !ok {
		return Hash{}, fmt.Errorf("%w: %q is not kind:value", ErrFormat, s)
	}
	kind, err := ParseKind(k)
	if err != nil {
		return Hash{}, err
	}
	return New(kind, v)
}

// String gives the text form "kind:value".
func (h Hash) String() string {
	if h.Kind == "" {
		return ""
	}
	return string(h.Kind) + ":" + h.Value
}

// MarshalText gives the text form, for JSON and CSV.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText parses the text form.
func (h *Hash) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// Exact holds a file's three exact hashes.
type Exact struct {
	MD5, SHA1, SHA256 Hash
}

// All lists the three.
func (e Exact) All() []Hash { return []Hash{e.MD5, e.SHA1, e.SHA256} }

// Compute reads r to its end once and returns its MD5, SHA-1 and SHA-256.
func Compute(r io.Reader) (Exact, error) {
	m, s1, s2 := md5.New(), sha1.New(), sha256.New()
	if _, err := io.Copy(io.MultiWriter(m, s1, s2), r); err != nil {
		return Exact{}, fmt.Errorf("contenthash: reading: %w", err)
	}
	return Exact{
		MD5:    Hash{MD5, hex.EncodeToString(m.Sum(nil))},
		SHA1:   Hash{SHA1, hex.EncodeToString(s1.Sum(nil))},
		SHA256: Hash{SHA256, hex.EncodeToString(s2.Sum(nil))},
	}, nil
}
