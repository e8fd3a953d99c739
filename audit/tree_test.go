package audit

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// memTree is a tree's stored hashes in a slice, as tlog's own tests keep
// them: what the store's table holds, to check the package's arithmetic.
type memTree []tlog.Hash

func (m memTree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		if idx >= int64(len(m)) {
			return nil, fmt.Errorf("no hash %d", idx)
		}
		out[i] = m[idx]
	}
	return out, nil
}

// sealed makes n chained entries and the tree's stored hashes, with tlog.
func sealed(t testing.TB, n int) ([]Entry, memTree) {
	var entries []Entry
	var tree memTree
	var prev *Entry
	for i := range n {
		e := Seal(Entry{At: time.UnixMicro(1764659000000000 + int64(i)), Actor: "ana@vigie.test", Action: "report.view",
			ObjectType: "report", ObjectID: fmt.Sprint(i), Source: "203.0.113.7"}, prev)
		hashes, err := tlog.StoredHashes(int64(i), e.Canonical(), tree)
		if err != nil {
			t.Fatal(err)
		}
		tree = append(tree, hashes...)
		entries = append(entries, e)
		prev = &entries[len(entries)-1]
	}
	return entries, tree
}

// The frontier must give exactly tlog's stored hashes and roots, at every
// size: VerifyTree compares the store's table with it.
func TestFrontierMatchesTlog(t *testing.T) {
	entries, tree := sealed(t, 300)
	var f Frontier
	var got memTree
	if f.Root() != mustTreeHash(t, 0, tree) {
		t.Fatalf("empty root = %s", f.Root())
	}
	for i, e := range entries {
		for _, h := range f.Add(RecordHash(e)) {
			if h.Index != int64(len(got)) {
				t.Fatalf("entry %d: stored hash index %d, want %d", i+1, h.Index, len(got))
			}
			got = append(got, h.Hash)
		}
		if f.Root() != mustTreeHash(t, int64(i+1), tree) {
			t.Fatalf("root at %d differs from tlog's", i+1)
		}
	}
	if len(got) != len(tree) {
		t.Fatalf("%d stored hashes, tlog made %d", len(got), len(tree))
	}
	for i := range got {
		if got[i] != tree[i] {
			t.Fatalf("stored hash %d differs from tlog's", i)
		}
	}
}

func mustTreeHash(t *testing.T, n int64, r tlog.HashReader) tlog.Hash {
	t.Helper()
	h, err := tlog.TreeHash(n, r)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func newKey(t testing.TB, name string) (note.Signer, note.Verifier) {
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

func TestCheckpointSignAndOpen(t *testing.T) {
	signer, verifier := newKey(t, "vigie.hotline.example")
	_, other := newKey(t, "vigie.hotline.example")
	otherSigner, otherVerifier := newKey(t, "intruder.example")
	c := Checkpoint{Origin: "vigie.hotline.example", Size: 1234, Root: tlog.RecordHash([]byte("x")), Time: time.Date(2026, 12, 2, 7, 1, 0, 0, time.UTC)}
	msg, err := SignCheckpoint(c, signer)
	if err != nil {
		t.Fatal(err)
	}
	got, err := OpenCheckpoint(msg, verifier)
	if err != nil || got != c {
		t.Fatalf("open = %+v, %v; want %+v", got, err, c)
	}
	if _, err := SignCheckpoint(c, otherSigner); err == nil {
		t.Error("a key signed a checkpoint of another origin")
	}
	// A checkpoint of "intruder.example", valid for its own key, is not
	// one of this installation even if that key is trusted by mistake.
	foreign, err := note.Sign(&note.Note{Text: string(Checkpoint{Origin: "vigie.hotline.example", Size: 1, Root: c.Root}.Text())}, otherSigner)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		msg []byte
		v   []note.Verifier
	}{
		"size changed":      {bytes.Replace(msg, []byte("\n1234\n"), []byte("\n1235\n"), 1), []note.Verifier{verifier}},
		"root changed":      {bytes.Replace(msg, []byte(c.Root.String()), []byte(tlog.RecordHash([]byte("y")).String()), 1), []note.Verifier{verifier}},
		"another key":       {msg, []note.Verifier{other}},
		"signed by another": {foreign, []note.Verifier{verifier, otherVerifier}},
		"no signature":      {c.Text(), []note.Verifier{verifier}},
	} {
		if _, err := OpenCheckpoint(tc.msg, tc.v...); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
}

func TestParseCheckpoint(t *testing.T) {
	root := tlog.RecordHash(nil).String()
	for _, tc := range []struct {
		text string
		ok   bool
	}{
		{"a.example\n0\n" + root + "\n", true},
		{"a.example\n12\n" + root + "\ntime 2026-12-02T07:00:00Z\nother extension\n", true},
		{"a.example\n12\n" + root, false},                  // no final newline
		{"a.example\n012\n" + root + "\n", false},          // not canonical
		{"a.example\n-1\n" + root + "\n", false},           // negative
		{"a example\n1\n" + root + "\n", false},            // space in origin
		{"a+b\n1\n" + root + "\n", false},                  // plus in origin
		{"a.example\n1\n" + root[:40] + "\n", false},       // short root
		{"a.example\n1\n" + root + "\n\n", false},          // empty line
		{"a.example\n1\n" + root + "\ntime soon\n", false}, // bad time
		{"a.example\n1\n", false},
	} {
		_, err := ParseCheckpoint([]byte(tc.text))
		if (err == nil) != tc.ok {
			t.Errorf("%q: err = %v, want ok=%v", tc.text, err, tc.ok)
		}
	}
}

func FuzzParseCheckpoint(f *testing.F) {
	root := tlog.RecordHash(nil).String()
	f.Add([]byte("a.example\n12\n" + root + "\ntime 2026-12-02T07:00:00Z\n"))
	f.Add([]byte("a.example\n0\n" + root + "\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		c, err := ParseCheckpoint(text)
		if err != nil {
			return
		}
		again, err := ParseCheckpoint(c.Text())
		if err != nil || again != c {
			t.Fatalf("%q parsed to %+v, whose text %q reads %+v, %v", text, c, c.Text(), again, err)
		}
	})
}

// proofOf makes the proof of entry seq in the tree of size entries, with
// a checkpoint signed by signer when it is not nil.
func proofOf(t *testing.T, entries []Entry, tree memTree, seq, size int64, signer note.Signer) InclusionProof {
	t.Helper()
	root := mustTreeHash(t, size, tree)
	hashes, err := tlog.ProveRecord(size, seq-1, tree)
	if err != nil {
		t.Fatal(err)
	}
	p := InclusionProof{Entry: entries[seq-1], TreeSize: size, Root: root, Hashes: hashes}
	if signer != nil {
		p.Checkpoint, err = SignCheckpoint(Checkpoint{Origin: signer.Name(), Size: size, Root: root}, signer)
		if err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// roundTrip writes and reads a proof back, as the second party gets it.
func roundTrip(t *testing.T, p InclusionProof) InclusionProof {
	t.Helper()
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseInclusionProof(b)
	if err != nil {
		t.Fatalf("%s\n%v", b, err)
	}
	return got
}

func TestInclusionProof(t *testing.T) {
	entries, tree := sealed(t, 37)
	signer, verifier := newKey(t, "vigie.hotline.example")
	_, stranger := newKey(t, "vigie.hotline.example")
	for size := int64(1); size <= 37; size++ {
		for seq := int64(1); seq <= size; seq++ {
			p := roundTrip(t, proofOf(t, entries, tree, seq, size, nil))
			if c, err := CheckInclusion(p); err != nil || c != nil {
				t.Fatalf("entry %d of %d: %v, %v", seq, size, c, err)
			}
		}
	}
	good := roundTrip(t, proofOf(t, entries, tree, 5, 20, signer))
	if c, err := CheckInclusion(good, verifier); err != nil || c == nil || c.Size != 20 {
		t.Fatalf("signed proof: %v, %v", c, err)
	}
	rewritten := func(edit func(*Entry)) InclusionProof {
		p := good
		edit(&p.Entry)
		p.Entry.Hash = Hash(p.Entry) // the forger recomputes the chain hash too
		return roundTrip(t, p)
	}
	cases := map[string]struct {
		p InclusionProof
		v []note.Verifier
	}{
		"actor altered":        {rewritten(func(e *Entry) { e.Actor = "someone-else" }), []note.Verifier{verifier}},
		"time altered":         {rewritten(func(e *Entry) { e.At = e.At.Add(time.Second) }), []note.Verifier{verifier}},
		"another position":     {rewritten(func(e *Entry) { e.Seq = 6 }), []note.Verifier{verifier}},
		"chain hash altered":   {func() InclusionProof { p := good; p.Entry.Hash = bytes.Repeat([]byte{1}, 32); return p }(), []note.Verifier{verifier}},
		"root of another size": {func() InclusionProof { p := good; p.Root = mustTreeHash(t, 21, tree); return p }(), []note.Verifier{verifier}},
		"checkpoint of another tree": {func() InclusionProof {
			p := good
			p.Checkpoint = proofOf(t, entries, tree, 5, 21, signer).Checkpoint
			return p
		}(), []note.Verifier{verifier}},
		"unknown signer":  {good, []note.Verifier{stranger}},
		"no verifier key": {good, nil},
		"a proof hash off": {func() InclusionProof {
			p := good
			p.Hashes = append(tlog.RecordProof{}, p.Hashes...)
			p.Hashes[0][0] ^= 1
			return p
		}(), []note.Verifier{verifier}},
	}
	for name, tc := range cases {
		if _, err := CheckInclusion(tc.p, tc.v...); err == nil {
			t.Errorf("%s: the proof checked", name)
		}
	}
}

func TestParseInclusionProofRefuses(t *testing.T) {
	entries, tree := sealed(t, 8)
	b, err := proofOf(t, entries, tree, 3, 8, nil).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	record := hex.EncodeToString(entries[2].Canonical())
	for name, text := range map[string]string{
		"record of another entry": strings.Replace(string(b), record, hex.EncodeToString(entries[3].Canonical()), 1),
		"unknown field":           strings.Replace(string(b), `"format"`, `"extra": 1, "format"`, 1),
		"another format":          strings.Replace(string(b), proofFormat, "other/1", 1),
		"two documents":           string(b) + "{}",
		"entry beyond the tree":   strings.Replace(string(b), `"tree_size": 8`, `"tree_size": 2`, 1),
	} {
		if _, err := ParseInclusionProof([]byte(text)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

func FuzzParseInclusionProof(f *testing.F) {
	entries, tree := sealed(f, 8)
	for _, seq := range []int64{1, 5, 8} {
		root, _ := tlog.TreeHash(8, tree)
		hashes, _ := tlog.ProveRecord(8, seq-1, tree)
		b, _ := InclusionProof{Entry: entries[seq-1], TreeSize: 8, Root: root, Hashes: hashes}.Marshal()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseInclusionProof(b)
		if err != nil {
			return
		}
		again, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		q, err := ParseInclusionProof(again)
		if err != nil {
			t.Fatalf("%s re-reads as %v", again, err)
		}
		_, err1 := CheckInclusion(p)
		_, err2 := CheckInclusion(q)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("the proof and its re-encoding disagree: %v / %v", err1, err2)
		}
	})
}

func TestParseKey(t *testing.T) {
	skey, vkey, err := note.GenerateKey(rand.Reader, "vigie.hotline.example")
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParseKey(skey)
	if err != nil || k.VerifierKey != vkey {
		t.Fatalf("ParseKey = %q, %v; want %q", k.VerifierKey, err, vkey)
	}
	msg, err := SignCheckpoint(Checkpoint{Origin: "vigie.hotline.example", Size: 3, Root: tlog.RecordHash(nil)}, k.Signer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenCheckpoint(msg, k.Verifier); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{vkey, "PRIVATE+KEY+x+00000000+AAAA", skey[:len(skey)-4] + "AAA="} {
		if _, err := ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) accepted", bad)
		}
	}
}
