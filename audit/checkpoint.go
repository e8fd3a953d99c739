package audit

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// A checkpoint is the tree's size and root, signed with the
// installation's ed25519 key in the note format of the Go checksum
// database (golang.org/x/mod/sumdb/note). Its text is that of a
// transparency log checkpoint (C2SP tlog-checkpoint): the origin (the
// installation's name, which is also the key's name), the size, the root
// in base64, then one extension line with the time it was signed:
//
//	vigie.hotline.example
//	1234
//	nND/nri/U0xuHUrYSy0HtMeal2vzD9V4k/BO79C+QeI=
//	time 2026-12-02T07:01:00Z
//
//	— vigie.hotline.example Az3grlOl…
//
// Kept outside the database (a folder, the server's log, a witness on
// another machine), it pins the trail: whoever rewrites the database
// cannot make its first Size entries hash to Root again, nor sign a new
// checkpoint without the key.
type Checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
	Time   time.Time // UTC, seconds; zero if the text had no time line
}

// Tree is the checkpoint's tree.
func (c Checkpoint) Tree() tlog.Tree { return tlog.Tree{N: c.Size, Hash: c.Root} }

// Text is the checkpoint's text, the part that is signed.
func (c Checkpoint) Text() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n%d\n%s\n", c.Origin, c.Size, c.Root)
	if !c.Time.IsZero() {
		fmt.Fprintf(&b, "time %s\n", c.Time.UTC().Format(time.RFC3339))
	}
	return b.Bytes()
}

// maxCheckpoint bounds a checkpoint's text and a signed checkpoint.
const maxCheckpoint = 16 << 10

// ErrMalformedCheckpoint is a text that is not a checkpoint.
var ErrMalformedCheckpoint = errors.New("audit: malformed checkpoint")

// ParseCheckpoint reads a checkpoint's text (not its signatures: see
// OpenCheckpoint). Extension lines other than the time are ignored, as
// C2SP asks of readers that do not know them.
func ParseCheckpoint(text []byte) (Checkpoint, error) {
	bad := func(why string) (Checkpoint, error) {
		return Checkpoint{}, fmt.Errorf("%w: %s", ErrMalformedCheckpoint, why)
	}
	if len(text) > maxCheckpoint || !utf8.Valid(text) {
		return bad("too long or not UTF-8")
	}
	if !bytes.HasSuffix(text, []byte("\n")) {
		return bad("does not end with a newline")
	}
	lines := strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
	if len(lines) < 3 {
		return bad("fewer than three lines")
	}
	var c Checkpoint
	if !validOrigin(lines[0]) {
		return bad(fmt.Sprintf("origin %q", lines[0]))
	}
	c.Origin = lines[0]
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || n < 0 || lines[1] != strconv.FormatInt(n, 10) {
		return bad(fmt.Sprintf("size %q", lines[1]))
	}
	c.Size = n
	root, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return bad(fmt.Sprintf("root %q", lines[2]))
	}
	copy(c.Root[:], root)
	for _, l := range lines[3:] {
		if l == "" {
			return bad("empty line")
		}
		if v, ok := strings.CutPrefix(l, "time "); ok {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil || !c.Time.IsZero() {
				return bad(fmt.Sprintf("time %q", v))
			}
			c.Time = t.UTC()
		}
	}
	return c, nil
}

// validOrigin is a name a note key may have: printable, no space, no
// plus sign (note.NewSigner's rules).
func validOrigin(s string) bool {
	if s == "" || strings.Contains(s, "+") {
		return false
	}
	for _, r := range s {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// SignCheckpoint signs c with signer, whose name must be c's origin.
func SignCheckpoint(c Checkpoint, signer note.Signer) ([]byte, error) {
	if signer.Name() != c.Origin {
		return nil, fmt.Errorf("audit: the key %q cannot sign a checkpoint of %q", signer.Name(), c.Origin)
	}
	msg, err := note.Sign(&note.Note{Text: string(c.Text())}, signer)
	if err != nil {
		return nil, fmt.Errorf("audit: sign checkpoint: %w", err)
	}
	return msg, nil
}

// OpenCheckpoint checks a signed checkpoint against the verifier keys
// trusted (the installation's; a witness's co-signature, unknown here, is
// ignored) and returns it. The key that signed must bear the checkpoint's
// origin, so that one installation's checkpoint is not taken for
// another's.
func OpenCheckpoint(msg []byte, verifiers ...note.Verifier) (Checkpoint, error) {
	if len(msg) > maxCheckpoint {
		return Checkpoint{}, fmt.Errorf("%w: too long", ErrMalformedCheckpoint)
	}
	n, err := note.Open(msg, note.VerifierList(verifiers...))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("audit: checkpoint signature: %w", err)
	}
	c, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return Checkpoint{}, err
	}
	for _, s := range n.Sigs {
		if s.Name == c.Origin {
			return c, nil
		}
	}
	return Checkpoint{}, fmt.Errorf("audit: checkpoint of %q signed only by another key (%s)", c.Origin, n.Sigs[0].Name)
}

// Key is the installation's signing key with what verifiers are given.
type Key struct {
	Signer      note.Signer
	Verifier    note.Verifier
	VerifierKey string // the encoded verifier key, to hand to verifiers and witnesses
}

// ParseKey reads a private key as note.GenerateKey writes it
// ("PRIVATE+KEY+name+hash+key"), and derives its verifier key, so that a
// signer can check what it signed before.
func ParseKey(skey string) (Key, error) {
	signer, err := note.NewSigner(skey)
	if err != nil {
		return Key{}, fmt.Errorf("audit: signing key: %w", err)
	}
	parts := strings.SplitN(skey, "+", 5)
	raw, err := base64.StdEncoding.DecodeString(parts[4]) // NewSigner checked the form
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return Key{}, errors.New("audit: signing key: not an ed25519 key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(signer.Name(), pub)
	if err != nil {
		return Key{}, fmt.Errorf("audit: verifier key: %w", err)
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil || verifier.KeyHash() != signer.KeyHash() {
		return Key{}, fmt.Errorf("audit: verifier key does not match the signing key: %v", err)
	}
	return Key{Signer: signer, Verifier: verifier, VerifierKey: vkey}, nil
}
