package keyring

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func key(t testing.TB, b byte) *LocalKey {
	k, err := NewLocalKey(bytes.Repeat([]byte{b}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	dek, err := NewDataKey()
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewDataKey()
	sealed, err := Seal(dek, []byte("camille@example.fr"), AD("reports", "contact", "r1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("camille")) {
		t.Fatal("the plaintext shows in the sealed value")
	}
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-1] ^= 1
	versioned := bytes.Clone(sealed)
	versioned[0] = 2
	for _, tc := range []struct {
		name   string
		dek    []byte
		sealed []byte
		ad     []byte
		ok     bool
	}{
		{"same key and place", dek, sealed, AD("reports", "contact", "r1"), true},
		{"another row", dek, sealed, AD("reports", "contact", "r2"), false},
		{"another column", dek, sealed, AD("reports", "contactx", "r1"), false},
		{"parts shifted", dek, sealed, AD("reports", "contactr", "1"), false},
		{"another key", other, sealed, AD("reports", "contact", "r1"), false},
		{"altered", dek, flipped, AD("reports", "contact", "r1"), false},
		{"unknown version", dek, versioned, AD("reports", "contact", "r1"), false},
		{"truncated", dek, sealed[:Overhead-1], AD("reports", "contact", "r1"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Open(tc.dek, tc.sealed, tc.ad)
			if tc.ok != (err == nil) {
				t.Fatalf("open: %q, %v; want ok=%v", got, err, tc.ok)
			}
			if tc.ok && string(got) != "camille@example.fr" {
				t.Fatalf("open = %q", got)
			}
		})
	}
	again, _ := Seal(dek, []byte("camille@example.fr"), AD("reports", "contact", "r1"))
	if bytes.Equal(again, sealed) {
		t.Error("sealing twice gives the same bytes: the nonce is not random")
	}
}

func TestWrapUnwrap(t *testing.T) {
	k1, k2 := key(t, 1), key(t, 2)
	if k1.KeyID() == k2.KeyID() || len(k1.KeyID()) != 16 {
		t.Fatalf("key ids %q %q", k1.KeyID(), k2.KeyID())
	}
	dek, _ := NewDataKey()
	wrapped, err := k1.Wrap(dek, []byte("report:r1"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k1.Unwrap(wrapped, []byte("report:r1")); err != nil || !bytes.Equal(got, dek) {
		t.Fatalf("unwrap: %v", err)
	}
	if _, err := k2.Unwrap(wrapped, []byte("report:r1")); !errors.Is(err, ErrOpen) {
		t.Errorf("another master key unwrapped: %v", err)
	}
	if _, err := k1.Unwrap(wrapped, []byte("report:r2")); !errors.Is(err, ErrOpen) {
		t.Errorf("a wrapped key moved to another name unwrapped: %v", err)
	}
	// A wrapped key is no sealed value, and the other way round.
	if _, err := Open(k1Raw(), wrapped, []byte("report:r1")); err == nil {
		t.Error("a wrapped key opened as a sealed value")
	}
	if _, err := NewLocalKey(make([]byte, 16)); err == nil {
		t.Error("a 128-bit master key was accepted")
	}
}

func k1Raw() []byte { return bytes.Repeat([]byte{1}, KeySize) }

func TestParseLocalKey(t *testing.T) {
	raw := bytes.Repeat([]byte{0xfb}, KeySize)
	want := key(t, 0xfb).KeyID()
	for _, tc := range []struct {
		text string
		ok   bool
	}{
		{base64.StdEncoding.EncodeToString(raw), true},
		{base64.StdEncoding.EncodeToString(raw) + "\n", true},
		{base64.RawURLEncoding.EncodeToString(raw), true},
		{base64.StdEncoding.EncodeToString(raw[:31]), false},
		{"not base64 at all!", false},
		{"", false},
	} {
		k, err := ParseLocalKey(tc.text)
		if tc.ok != (err == nil) || (tc.ok && k.KeyID() != want) {
			t.Errorf("ParseLocalKey(%q) = %v, %v; want ok=%v", tc.text, k, err, tc.ok)
		}
	}
}

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "master.key")
	k, created, err := LoadOrGenerateKeyFile(path)
	if err != nil || !created {
		t.Fatalf("generate: %v %v", created, err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v", info.Mode(), err)
	}
	if d, _ := os.Stat(filepath.Dir(path)); d.Mode().Perm() != 0o700 {
		t.Errorf("key folder mode %v", d.Mode())
	}
	again, created, err := LoadOrGenerateKeyFile(path)
	if err != nil || created || again.KeyID() != k.KeyID() {
		t.Fatalf("load: %v %v %v", created, err, again)
	}
	if _, err := GenerateKeyFile(path); err == nil {
		t.Error("an existing key file was replaced")
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKeyFile(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a key file others may read was accepted: %v", err)
	}
}

// FuzzParse: the decoder of stored values never panics, accepts only what
// has the version byte and room for a nonce and a tag, and opening any
// input under a key fails unless it was sealed under that key.
func FuzzParse(f *testing.F) {
	dek := bytes.Repeat([]byte{7}, KeySize)
	good, _ := Seal(dek, []byte("seed"), AD("users", "totp_secret", "1"))
	f.Add(good)
	f.Add([]byte{})
	f.Add([]byte{1})
	f.Add(bytes.Repeat([]byte{1}, Overhead))
	f.Add(append([]byte{2}, good[1:]...))
	f.Fuzz(func(t *testing.T, b []byte) {
		nonce, body, err := Parse(b)
		if err == nil {
			if b[0] != version || len(nonce) != nonceSize || len(body) < 16 || len(nonce)+len(body)+1 != len(b) {
				t.Fatalf("accepted %x as nonce %x body %x", b, nonce, body)
			}
		} else if len(b) >= Overhead && b[0] == version {
			t.Fatalf("refused a well-formed value: %v", err)
		}
		pt, err := Open(dek, b, AD("users", "totp_secret", "1"))
		if err == nil && !bytes.Equal(b, good) && string(pt) != "seed" {
			t.Fatalf("%x opened as %q", b, pt)
		}
	})
}

func TestEnvelope(t *testing.T) {
	k1, k2 := key(t, 1), key(t, 2)
	masters := func(ks ...*LocalKey) func(string) Wrapper {
		return func(id string) Wrapper {
			for _, k := range ks {
				if k.KeyID() == id {
					return k
				}
			}
			return nil
		}
	}
	env, err := SealEnvelope(k1, AD("blobs", "key", "aa"), []byte("contenu"), AD("blobs", "content", "aa"))
	if err != nil {
		t.Fatal(err)
	}
	rewrapped, changed, err := RewrapEnvelope(masters(k1), k2, AD("blobs", "key", "aa"), env)
	if err != nil || !changed {
		t.Fatalf("rewrap: %v %v", changed, err)
	}
	if _, changed, err := RewrapEnvelope(masters(k2), k2, AD("blobs", "key", "aa"), rewrapped); err != nil || changed {
		t.Errorf("rewrap to the key it has: %v %v", changed, err)
	}
	for _, tc := range []struct {
		name    string
		masters func(string) Wrapper
		env     []byte
		keyAD   string
		ok      bool
	}{
		{"its key", masters(k1), env, "aa", true},
		{"another master key", masters(k2), env, "aa", false},
		{"moved to another hash", masters(k1), env, "bb", false},
		{"rewrapped, new key", masters(k2), rewrapped, "aa", true},
		{"rewrapped, old key only", masters(k1), rewrapped, "aa", false},
		{"cut", masters(k1), env[:len(env)-1], "aa", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := OpenEnvelope(tc.masters, AD("blobs", "key", tc.keyAD), tc.env, AD("blobs", "content", tc.keyAD))
			if tc.ok != (err == nil) || (tc.ok && string(got) != "contenu") {
				t.Fatalf("open: %q %v, want ok=%v", got, err, tc.ok)
			}
		})
	}
}

// FuzzParseEnvelope: the envelope decoder never panics, and what it
// accepts splits into parts that make the input again.
func FuzzParseEnvelope(f *testing.F) {
	env, _ := SealEnvelope(key(f, 3), []byte("k"), []byte("contenu"), []byte("a"))
	f.Add(env)
	f.Add([]byte{2})
	f.Add([]byte{2, 0, 0, 0})
	f.Add([]byte{2, 255, 1})
	f.Add(env[:20])
	f.Fuzz(func(t *testing.T, b []byte) {
		id, wrapped, sealed, err := ParseEnvelope(b)
		if err != nil {
			return
		}
		again, err := envelope(id, wrapped, sealed)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("%x parsed to parts that give %x (%v)", b, again, err)
		}
	})
}

// BenchmarkSealContact: the cryptographic work encryption adds to one
// report at intake: a fresh data key, the contact sealed under it, the
// key wrapped by the master key (BENCHMARKS.md, "Encryption at rest").
func BenchmarkSealContact(b *testing.B) {
	master := key(b, 9)
	contact := []byte(`{"n":"Camille Durand","e":"camille@example.fr","p":"+33 6 12 34 56 78"}`)
	for b.Loop() {
		dek, err := NewDataKey()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Seal(dek, contact, AD("reports", "contact", "0193f0c1-7c2e-7d4a-9f1e-2b3c4d5e6f70")); err != nil {
			b.Fatal(err)
		}
		if _, err := master.Wrap(dek, AD("data_keys", "report:0193f0c1-7c2e-7d4a-9f1e-2b3c4d5e6f70")); err != nil {
			b.Fatal(err)
		}
	}
}
