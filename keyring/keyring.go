// Package keyring encrypts what Vigie keeps at rest: envelope encryption
// with AES-256-GCM. Each secret is sealed with a data key (DEK); data keys
// are stored wrapped by a master key (KEK) that never enters the database.
// Destroying a data key makes everything sealed under it unreadable
// (crypto-shredding); re-wrapping data keys under a new master key
// (rotation) touches the keys, not the data.
//
// Every sealed value is bound to where it is stored by associated data
// (the table, the column and the row), so that a ciphertext copied to
// another row or field does not open there.
package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the size of master keys and data keys: AES-256.
const KeySize = 32

// version is the first byte of every sealed value and wrapped key, so
// that the format can change without guessing.
const version = 1

const nonceSize = 12

// Overhead is how many bytes sealing adds: version, nonce, GCM tag.
const Overhead = 1 + nonceSize + 16

// ErrOpen is returned when a value does not open: wrong key, wrong
// associated data (moved to another row), altered, or a data key that was
// destroyed.
var ErrOpen = errors.New("keyring: cannot decrypt (wrong key, moved or altered)")

// Wrapper protects data keys with a master key. LocalKey is the one Vigie
// ships; a KMS (Vault transit, a cloud KMS, an HSM) implements the same
// three methods, the master key staying inside it.
type Wrapper interface {
	// KeyID names the master key, so that the store can tell which master
	// key wrapped a data key, and refuse a wrong one before reading data.
	KeyID() string
	// Wrap encrypts a data key, bound to ad (the data key's name).
	Wrap(dek, ad []byte) ([]byte, error)
	// Unwrap reverses Wrap; it fails with ErrOpen on a wrong key or ad.
	Unwrap(wrapped, ad []byte) ([]byte, error)
}

// LocalKey is a master key held in memory, read from a file or the
// environment.
type LocalKey struct {
	id   string
	aead cipher.AEAD
}

var _ Wrapper = (*LocalKey)(nil)

// NewLocalKey makes a master key of 32 bytes.
func NewLocalKey(key []byte) (*LocalKey, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("keyring: a master key has %d bytes, not %d", KeySize, len(key))
	}
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	// The id is a hash of the key under a label: it names the key in the
	// store and in logs without saying anything of it.
	sum := sha256.Sum256(append([]byte("vigie master key id\x00"), key...))
	return &LocalKey{id: hex.EncodeToString(sum[:8]), aead: aead}, nil
}

// ParseLocalKey reads a master key written in base64 (standard or URL
// alphabet, padded or not), as in a key file or VIGIE_MASTER_KEY.
func ParseLocalKey(text string) (*LocalKey, error) {
	text = strings.TrimSpace(text)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(text); err == nil {
			return NewLocalKey(b)
		}
	}
	return nil, errors.New("keyring: a master key is 32 bytes in base64")
}

// LoadKeyFile reads a master key file. A file that others may read is
// refused: the key is worth every secret of the store.
func LoadKeyFile(path string) (*LocalKey, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("keyring: master key file: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("keyring: master key file %s is mode %04o: it must be readable by its owner only (chmod 600)", path, info.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keyring: master key file: %w", err)
	}
	k, err := ParseLocalKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return k, nil
}

// GenerateKeyFile writes a new random master key to path (mode 0600,
// folder 0700). It fails if the file exists: an existing key is never
// replaced, since data sealed under it would be lost.
func GenerateKeyFile(path string) (*LocalKey, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("keyring: new master key file: %w", err)
	}
	_, werr := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	serr := f.Sync()
	if err := errors.Join(werr, serr, f.Close()); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("keyring: new master key file: %w", err)
	}
	return NewLocalKey(key)
}

// LoadOrGenerateKeyFile loads path, or makes it when it does not exist;
// created says which.
func LoadOrGenerateKeyFile(path string) (k *LocalKey, created bool, err error) {
	k, err = LoadKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		k, err = GenerateKeyFile(path)
		return k, err == nil, err
	}
	return k, false, err
}

// KeyID implements Wrapper.
func (k *LocalKey) KeyID() string { return k.id }

// Wrap implements Wrapper.
func (k *LocalKey) Wrap(dek, ad []byte) ([]byte, error) {
	return seal(k.aead, dek, wrapAD(ad))
}

// Unwrap implements Wrapper.
func (k *LocalKey) Unwrap(wrapped, ad []byte) ([]byte, error) {
	dek, err := open(k.aead, wrapped, wrapAD(ad))
	if err != nil {
		return nil, err
	}
	if len(dek) != KeySize {
		return nil, ErrOpen
	}
	return dek, nil
}

// wrapAD separates the associated data of wrapped keys from that of
// sealed values, so that one can never stand for the other.
func wrapAD(ad []byte) []byte { return append([]byte("vigie dek\x00"), ad...) }

// NewDataKey draws a random data key.
func NewDataKey() ([]byte, error) {
	dek := make([]byte, KeySize)
	_, err := rand.Read(dek)
	return dek, err
}

// Seal encrypts plaintext under the data key dek, bound to ad.
func Seal(dek, plaintext, ad []byte) ([]byte, error) {
	aead, err := newAEAD(dek)
	if err != nil {
		return nil, err
	}
	return seal(aead, plaintext, valueAD(ad))
}

// Open decrypts what Seal made with the same data key and ad.
func Open(dek, sealed, ad []byte) ([]byte, error) {
	aead, err := newAEAD(dek)
	if err != nil {
		return nil, err
	}
	return open(aead, sealed, valueAD(ad))
}

func valueAD(ad []byte) []byte { return append([]byte("vigie value\x00"), ad...) }

// AD builds associated data from the parts that locate a value (table,
// column, row key): each part is length-prefixed, so that no two lists of
// parts give the same bytes.
func AD(parts ...string) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, byte(len(p)>>24), byte(len(p)>>16), byte(len(p)>>8), byte(len(p)))
		b = append(b, p...)
	}
	return b
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("keyring: a key has %d bytes, not %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// The stored format: one version byte, a random 96-bit nonce, and the
// GCM ciphertext with its tag. Random nonces are safe here: a data key
// seals at most a handful of values (a report's contact, one attachment)
// or, for the shared keys (accounts, server keys), far fewer than the
// 2^32 messages GCM allows per key with random nonces.
func seal(aead cipher.AEAD, plaintext, ad []byte) ([]byte, error) {
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plaintext)+aead.Overhead())
	out[0] = version
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, err
	}
	return aead.Seal(out, out[1:1+nonceSize], plaintext, ad), nil
}

func open(aead cipher.AEAD, sealed, ad []byte) ([]byte, error) {
	nonce, body, err := Parse(sealed)
	if err != nil {
		return nil, err
	}
	pt, err := aead.Open(nil, nonce, body, ad)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// Parse splits a stored value into its nonce and its ciphertext with tag,
// checking its version and length; it decrypts nothing.
func Parse(sealed []byte) (nonce, body []byte, err error) {
	if len(sealed) < Overhead {
		return nil, nil, fmt.Errorf("keyring: sealed value of %d bytes is too short", len(sealed))
	}
	if sealed[0] != version {
		return nil, nil, fmt.Errorf("keyring: sealed value of unknown version %d", sealed[0])
	}
	return sealed[1 : 1+nonceSize], sealed[1+nonceSize:], nil
}

// envelopeVersion starts a self-contained envelope: a value sealed under
// a data key of its own, stored wrapped beside it. It suits a value that
// lives outside the database's rows (an attachment's file) or whose key
// should go with it: deleting the envelope destroys its key.
const envelopeVersion = 2

// SealEnvelope seals plaintext under a fresh data key, wrapped by w and
// bound to keyAD, and bound itself to ad. The layout: version 2, the
// master key's id (one length byte), the wrapped key (two length bytes,
// big-endian), then the value as Seal makes it.
func SealEnvelope(w Wrapper, keyAD, plaintext, ad []byte) ([]byte, error) {
	dek, err := NewDataKey()
	if err != nil {
		return nil, err
	}
	wrapped, err := w.Wrap(dek, keyAD)
	if err != nil {
		return nil, err
	}
	sealed, err := Seal(dek, plaintext, ad)
	if err != nil {
		return nil, err
	}
	return envelope(w.KeyID(), wrapped, sealed)
}

func envelope(kekID string, wrapped, sealed []byte) ([]byte, error) {
	if len(kekID) > 255 || len(wrapped) > 65535 {
		return nil, errors.New("keyring: master key id or wrapped key too long for an envelope")
	}
	out := make([]byte, 0, 4+len(kekID)+len(wrapped)+len(sealed))
	out = append(out, envelopeVersion, byte(len(kekID)))
	out = append(out, kekID...)
	out = append(out, byte(len(wrapped)>>8), byte(len(wrapped)))
	out = append(out, wrapped...)
	return append(out, sealed...), nil
}

// ParseEnvelope splits an envelope into the id of the master key that
// wrapped its data key, the wrapped key and the sealed value; it decrypts
// nothing.
func ParseEnvelope(b []byte) (kekID string, wrapped, sealed []byte, err error) {
	bad := func(what string) (string, []byte, []byte, error) {
		return "", nil, nil, fmt.Errorf("keyring: envelope %s", what)
	}
	if len(b) < 2 || b[0] != envelopeVersion {
		return bad("of unknown version or empty")
	}
	n := int(b[1])
	if len(b) < 2+n+2 {
		return bad("too short for its key id")
	}
	kekID, rest := string(b[2:2+n]), b[2+n:]
	m := int(rest[0])<<8 | int(rest[1])
	if len(rest) < 2+m {
		return bad("too short for its wrapped key")
	}
	wrapped, sealed = rest[2:2+m], rest[2+m:]
	if _, _, err := Parse(sealed); err != nil {
		return "", nil, nil, err
	}
	return kekID, wrapped, sealed, nil
}

// OpenEnvelope opens an envelope; masters finds a master key by its id
// (nil when it is not known).
func OpenEnvelope(masters func(id string) Wrapper, keyAD, b, ad []byte) ([]byte, error) {
	kekID, wrapped, sealed, err := ParseEnvelope(b)
	if err != nil {
		return nil, err
	}
	w := masters(kekID)
	if w == nil {
		return nil, fmt.Errorf("keyring: envelope wrapped by master key %s, which was not given: %w", kekID, ErrOpen)
	}
	dek, err := w.Unwrap(wrapped, keyAD)
	if err != nil {
		return nil, err
	}
	return Open(dek, sealed, ad)
}

// RewrapEnvelope re-wraps an envelope's data key under next, leaving the
// sealed value as it is; changed is false when next wraps it already.
func RewrapEnvelope(masters func(id string) Wrapper, next Wrapper, keyAD, b []byte) (out []byte, changed bool, err error) {
	kekID, wrapped, sealed, err := ParseEnvelope(b)
	if err != nil {
		return nil, false, err
	}
	if kekID == next.KeyID() {
		return b, false, nil
	}
	w := masters(kekID)
	if w == nil {
		return nil, false, fmt.Errorf("keyring: envelope wrapped by master key %s, which was not given: %w", kekID, ErrOpen)
	}
	dek, err := w.Unwrap(wrapped, keyAD)
	if err != nil {
		return nil, false, err
	}
	if wrapped, err = next.Wrap(dek, keyAD); err != nil {
		return nil, false, err
	}
	out, err = envelope(next.KeyID(), wrapped, sealed)
	return out, err == nil, err
}
