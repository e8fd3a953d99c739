package main

import (
	"bytes"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/storetest"
	"golang.org/x/mod/sumdb/note"
)

// vigieErr runs a command that must fail and returns its error.
func vigieErr(t *testing.T, args ...string) error {
	t.Helper()
	err := run(context.Background(), args, strings.NewReader(""), io.Discard, io.Discard, noEnv)
	if err == nil {
		t.Fatalf("vigie %v succeeded", args)
	}
	return err
}

// auditFixture is a store whose trail a real checkpoint signed at 10
// entries and another at 15, in a folder, with the key that signed them.
type auditFixture struct {
	storeArgs []string
	db        store
	keyFile   string
	vkey      string
	dir       string // the checkpoints folder
	first     string // a copy of the checkpoint of 10 entries, as a witness keeps it
}

func newAuditFixture(t *testing.T, storeArgs []string) *auditFixture {
	f := &auditFixture{storeArgs: storeArgs, keyFile: filepath.Join(t.TempDir(), "keys", "audit.key"), dir: filepath.Join(t.TempDir(), "checkpoints")}
	f.vkey = strings.TrimSpace(vigie(t, "audit", "keygen", "--name", "vigie.test.example", "--out", f.keyFile))
	if st, err := os.Stat(f.keyFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v", st.Mode(), err)
	}
	if err := vigieErr(t, "audit", "keygen", "--name", "vigie.test.example", "--out", f.keyFile); !strings.Contains(err.Error(), "exists") {
		t.Fatalf("keygen over an existing key: %v", err)
	}
	fs, sf := storeFlagSet("test")
	if err := fs.Parse(storeArgs); err != nil {
		t.Fatal(err)
	}
	db, _, err := sf.open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f.db = db
	f.append(t, 10)
	out := vigie(t, append([]string{"audit", "checkpoint", "--audit-key-file", f.keyFile, "--audit-checkpoints", f.dir}, storeArgs...)...)
	if !strings.HasPrefix(out, "vigie.test.example\n10\n") {
		t.Fatalf("checkpoint: %q", out)
	}
	f.first = filepath.Join(t.TempDir(), "witness-10.checkpoint")
	if err := os.WriteFile(f.first, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	f.append(t, 5)
	vigie(t, append([]string{"audit", "checkpoint", "--audit-key-file", f.keyFile, "--audit-checkpoints", f.dir}, storeArgs...)...)
	return f
}

func (f *auditFixture) append(t *testing.T, n int) {
	for i := range n {
		if _, err := f.db.AppendAudit(context.Background(), cliEntry("report.view", "report", fmt.Sprint(i), map[string]any{"i": i})); err != nil {
			t.Fatal(err)
		}
	}
}

func (f *auditFixture) verify(extra ...string) (string, error) {
	var out bytes.Buffer
	args := append(append([]string{"audit", "verify"}, f.storeArgs...), extra...)
	err := run(context.Background(), args, strings.NewReader(""), &out, io.Discard, noEnv)
	return out.String(), err
}

// TestAuditCheckpointsCatchTampering is the acceptance of issue 13 for
// the audit trail, on each store: `vigie audit verify` against real
// signed checkpoint files fails, saying why, on a tail cut, a middle
// entry removed, an entry altered and two entries swapped, each with the
// chain and the stored tree recomputed through raw SQL; without the
// checkpoints the same forged trail verifies.
func TestAuditCheckpointsCatchTampering(t *testing.T) {
	for _, kind := range stores {
		for _, tc := range storetest.TamperCases {
			t.Run(kind.name+"/"+tc.Name, func(t *testing.T) {
				f := newAuditFixture(t, kind.args(t))
				files, _ := filepath.Glob(filepath.Join(f.dir, "*", "*.checkpoint"))
				if len(files) != 2 {
					t.Fatalf("checkpoint files: %v", files)
				}
				out, err := f.verify("--checkpoint", f.dir, "--verifier-key", f.vkey)
				if err != nil || !strings.Contains(out, "intact: 15 entries") || !strings.Contains(out, "entries 1–15 are as signed") {
					t.Fatalf("intact trail: %q, %v", out, err)
				}
				raw, blob, dropGuards := rawStore(t, f.storeArgs)
				exec := func(q string) error { _, err := raw.Exec(q); return err }
				if err := exec(dropGuards); err != nil {
					t.Fatal(err)
				}
				if err := storetest.Forge(f.db, exec, blob, tc.Edit); err != nil {
					t.Fatal(err)
				}
				if out, err := f.verify(); err != nil {
					t.Fatalf("without checkpoints the forged trail should look whole (else this tests nothing): %q, %v", out, err)
				}
				for _, cp := range []string{f.dir, f.first} {
					_, err = f.verify("--checkpoint", cp, "--verifier-key", f.vkey)
					want := tc.Want
					if cp == f.first && tc.Name == "tail cut" {
						continue // 12 entries left: the checkpoint of 10 still holds
					}
					if err == nil || !strings.Contains(err.Error(), want) {
						t.Fatalf("verify against %s = %v, want %q", cp, err, want)
					}
				}
				// The server's signer, which checks the trail extends
				// what it signed last, refuses to sign the forgery.
				err = vigieErr(t, append([]string{"audit", "checkpoint", "--audit-key-file", f.keyFile, "--audit-checkpoints", f.dir}, f.storeArgs...)...)
				if !strings.Contains(err.Error(), "not signing") {
					t.Fatalf("checkpoint of the forged trail: %v", err)
				}
			})
		}
	}
}

// rawStore opens the store's database as an intruder would, and says how
// to write a blob and drop the append-only guards.
func rawStore(t *testing.T, storeArgs []string) (*sql.DB, func([]byte) string, string) {
	fs := flag.NewFlagSet("raw", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	if err := fs.Parse(storeArgs); err != nil {
		t.Fatal(err)
	}
	var raw *sql.DB
	var err error
	blob, drop := storetest.SQLiteBlob, `DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; DROP TRIGGER audit_tree_no_update; DROP TRIGGER audit_tree_no_delete`
	if sf.db != "" {
		raw, err = sql.Open("pgx", sf.db)
		blob, drop = storetest.PostgresBlob, `DROP TRIGGER audit_log_no_change ON audit_log; DROP TRIGGER audit_tree_no_change ON audit_tree`
	} else {
		raw, err = sql.Open("sqlite", "file:"+filepath.Join(sf.data, "vigie.db")+"?_pragma=busy_timeout(10000)")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw, blob, drop
}

// TestAuditVerifyRefusesBadCheckpoints: a checkpoint needs a verifier
// key, and one signed by another key, or altered, is refused.
func TestAuditVerifyRefusesBadCheckpoints(t *testing.T) {
	f := newAuditFixture(t, stores[0].args(t))
	other := strings.TrimSpace(vigie(t, "audit", "keygen", "--name", "vigie.test.example", "--out", filepath.Join(t.TempDir(), "other.key")))
	altered := filepath.Join(t.TempDir(), "altered.checkpoint")
	b, _ := os.ReadFile(f.first)
	os.WriteFile(altered, bytes.Replace(b, []byte("\n10\n"), []byte("\n9\n"), 1), 0o600)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--checkpoint", f.first}, "needs --verifier-key"},
		{[]string{"--checkpoint", f.first, "--verifier-key", other}, "signature"},
		{[]string{"--checkpoint", altered, "--verifier-key", f.vkey}, "signature"},
		{[]string{"--checkpoint", t.TempDir(), "--verifier-key", f.vkey}, "no *.checkpoint file"},
		{[]string{"--verifier-key", "not-a-key"}, "neither a verifier key"},
	} {
		if _, err := f.verify(tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("verify %v = %v, want %q", tc.args, err, tc.want)
		}
	}
	// The key file is the verifier key's other form.
	vfile := filepath.Join(t.TempDir(), "audit.pub")
	os.WriteFile(vfile, []byte(f.vkey+"\n"), 0o644)
	if out, err := f.verify("--checkpoint", f.first, "--verifier-key", vfile); err != nil || !strings.Contains(out, "entries 11–15 await a checkpoint") {
		t.Errorf("verifier key from a file: %q, %v", out, err)
	}
	// A signing key others can read is refused.
	os.Chmod(f.keyFile, 0o644)
	if err := vigieErr(t, append([]string{"audit", "checkpoint", "--audit-key-file", f.keyFile}, f.storeArgs...)...); !strings.Contains(err.Error(), "readable by others") {
		t.Errorf("world-readable key: %v", err)
	}
}

// TestAuditProve: a proof of one entry against a signed checkpoint checks
// offline with the verifier key alone, and fails with another key or
// once edited; a proof against the whole trail says its root is unsigned.
func TestAuditProve(t *testing.T) {
	forEachStore(t, func(t *testing.T, storeArgs []string) {
		f := newAuditFixture(t, storeArgs)
		proof := filepath.Join(t.TempDir(), "proof.json")
		out := vigie(t, append([]string{"audit", "prove", "4", "--checkpoint", f.first, "--verifier-key", f.vkey}, storeArgs...)...)
		os.WriteFile(proof, []byte(out), 0o600)
		check := vigie(t, "audit", "check-proof", "--proof", proof, "--verifier-key", f.vkey)
		if !strings.Contains(check, "entry 4 (") || !strings.Contains(check, "tree of 10 entries") || !strings.Contains(check, "signed by vigie.test.example") {
			t.Fatalf("check-proof: %q", check)
		}
		other := strings.TrimSpace(vigie(t, "audit", "keygen", "--name", "vigie.test.example", "--out", filepath.Join(t.TempDir(), "other.key")))
		if err := vigieErr(t, "audit", "check-proof", "--proof", proof, "--verifier-key", other); !strings.Contains(err.Error(), "signature") {
			t.Errorf("another key: %v", err)
		}
		edited := filepath.Join(t.TempDir(), "edited.json")
		os.WriteFile(edited, bytes.Replace([]byte(out), []byte(`"object_id": "3"`), []byte(`"object_id": "9"`), 1), 0o600)
		if err := vigieErr(t, "audit", "check-proof", "--proof", edited, "--verifier-key", f.vkey); !strings.Contains(err.Error(), "record does not encode") {
			t.Errorf("edited proof: %v", err)
		}
		unsigned := vigie(t, append([]string{"audit", "prove", "15"}, storeArgs...)...)
		var stdout bytes.Buffer
		if err := run(context.Background(), []string{"audit", "check-proof"}, strings.NewReader(unsigned), &stdout, io.Discard, noEnv); err != nil ||
			!strings.Contains(stdout.String(), "tree of 15 entries") || !strings.Contains(stdout.String(), "not signed") {
			t.Errorf("unsigned proof from standard input: %q, %v", stdout.String(), err)
		}
		for _, bad := range [][]string{{"audit", "prove", "16"}, {"audit", "prove", "0"}, {"audit", "prove", "11", "--checkpoint", f.first, "--verifier-key", f.vkey}, {"audit", "prove"}} {
			vigieErr(t, append(bad, storeArgs...)...)
		}
	})
}

// TestServeWritesCheckpoints: vigie serve signs a checkpoint at start,
// then one each interval when the trail grew, to the folder (files 0600
// in folders 0700) and to its log, and none when it did not.
func TestServeWritesCheckpoints(t *testing.T) {
	storeArgs := stores[0].args(t)
	keyFile := filepath.Join(t.TempDir(), "audit.key")
	vkey := strings.TrimSpace(vigie(t, "audit", "keygen", "--name", "vigie.test.example", "--out", keyFile))
	dir := filepath.Join(t.TempDir(), "checkpoints")
	vigie(t, append([]string{"token", "create", "--name", "a"}, storeArgs...)...)
	in := startServer(t, storeArgs, "--audit-key-file", keyFile, "--audit-checkpoints", dir, "--audit-checkpoint-every", "50ms")
	files := func() []string {
		m, _ := filepath.Glob(filepath.Join(dir, "*", "*.checkpoint"))
		return m
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: files %v\n%s", what, files(), in.logs)
			}
		}
	}
	waitFor("first checkpoint", func() bool { return len(files()) == 1 })
	time.Sleep(300 * time.Millisecond) // six intervals without growth
	if len(files()) != 1 {
		t.Fatalf("checkpoints without growth: %v", files())
	}
	vigie(t, append([]string{"token", "create", "--name", "b"}, storeArgs...)...)
	k, err := (&checkpointFlags{keyFile: keyFile}).key()
	if err != nil || k.VerifierKey != vkey {
		t.Fatalf("key: %v", err)
	}
	waitFor("checkpoint after growth", func() bool {
		latest, err := os.ReadFile(filepath.Join(dir, latestCheckpoint))
		if err != nil {
			t.Fatal(err)
		}
		c, err := audit.OpenCheckpoint(latest, k.Verifier)
		if err != nil {
			t.Fatal(err)
		}
		return c.Size == 2 && len(files()) == 2
	})
	for _, p := range append(files(), filepath.Join(dir, latestCheckpoint)) {
		if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v", p, st.Mode().Perm())
		}
	}
	for _, p := range []string{dir, filepath.Dir(files()[0])} {
		if st, _ := os.Stat(p); st.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v", p, st.Mode().Perm())
		}
	}
	if err := in.stop(); err != nil {
		t.Fatal(err)
	}
	if logs := in.logs.String(); !strings.Contains(logs, `"msg":"audit checkpoint"`) || !strings.Contains(logs, `vigie.test.example\n2\n`) {
		t.Errorf("checkpoints not in the log:\n%s", logs)
	}
	out, err := (&auditFixture{storeArgs: storeArgs}).verify("--checkpoint", dir, "--verifier-key", vkey)
	if err != nil || !strings.Contains(out, "entries 1–2 are as signed") {
		t.Errorf("verify against the server's checkpoints: %q, %v", out, err)
	}
}

// TestBenchAuditScaledDown runs `vigie bench audit` on a few thousand
// entries, so that the command behind the figures keeps working.
func TestBenchAuditScaledDown(t *testing.T) {
	out := vigie(t, "bench", "audit", "--entries", "3000", "--runs", "1", "--data", t.TempDir())
	for _, want := range []string{"filled 3000 entries", "inclusion proof of entry 1500", "verify run 1: 3000 entries, checkpoint of 3000 holds"} {
		if !strings.Contains(out, want) {
			t.Errorf("bench audit lacks %q:\n%s", want, out)
		}
	}
}

// TestCheckpointsOfSeveralInstances: instances sharing a store sign
// checkpoints while entries are appended; whichever signed, they are of
// one tree, so the trail extends all of them at once.
func TestCheckpointsOfSeveralInstances(t *testing.T) {
	forEachStore(t, func(t *testing.T, storeArgs []string) {
		f := newAuditFixture(t, storeArgs)
		key, err := (&checkpointFlags{keyFile: f.keyFile}).key()
		if err != nil {
			t.Fatal(err)
		}
		var dirs []string
		var wg sync.WaitGroup
		for range 2 {
			fs, sf := storeFlagSet("instance")
			if err := fs.Parse(storeArgs); err != nil {
				t.Fatal(err)
			}
			db, _, err := sf.open(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			dir := t.TempDir()
			dirs = append(dirs, "--checkpoint", dir)
			c := &checkpointer{db: db, key: *key, dir: dir, logger: slog.New(slog.DiscardHandler), now: time.Now}
			wg.Go(func() {
				for range 15 {
					if _, err := c.sign(context.Background(), true); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Go(func() { f.append(t, 40) })
		wg.Wait()
		out, err := f.verify(append(dirs, "--verifier-key", f.vkey)...)
		for i := 1; i < len(dirs); i += 2 {
			if m, _ := filepath.Glob(filepath.Join(dirs[i], "*", "*.checkpoint")); len(m) == 0 {
				t.Fatalf("instance %d wrote no checkpoint", i/2+1)
			}
		}
		if err != nil || !strings.Contains(out, "signed checkpoint files hold") {
			t.Fatalf("verify against both instances' checkpoints: %q, %v", out, err)
		}
	})
}

// TestAuditWitness: a second party, with the checkpoints and their
// consistency proofs only, holds the first, accepts the next one that
// extends it (co-signed), and alerts on a checkpoint of a rewritten trail
// even when it is signed with the installation's own (stolen) key.
func TestAuditWitness(t *testing.T) {
	f := newAuditFixture(t, stores[0].args(t))
	glob := func(pattern string) string {
		m, _ := filepath.Glob(filepath.Join(f.dir, "*", pattern))
		if len(m) != 1 {
			t.Fatalf("%s: %v", pattern, m)
		}
		return m[0]
	}
	first, second, proof := glob("*-10.checkpoint"), glob("*-15.checkpoint"), glob("*-15.consistency")
	held := filepath.Join(t.TempDir(), "held.checkpoint")
	wkeyFile := filepath.Join(t.TempDir(), "witness.key")
	wvkey := strings.TrimSpace(vigie(t, "audit", "keygen", "--name", "witness.test.example", "--out", wkeyFile))
	witness := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"audit", "witness", "--held", held, "--verifier-key", f.vkey, "--cosign-key", wkeyFile}, args...),
			strings.NewReader(""), &out, io.Discard, noEnv)
		return out.String(), err
	}
	if out, err := witness("--checkpoint", first); err != nil || !strings.Contains(out, "holding a first checkpoint: 10 entries") {
		t.Fatalf("first: %q, %v", out, err)
	}
	if _, err := witness("--checkpoint", second); err == nil || !strings.Contains(err.Error(), "--consistency is needed") {
		t.Fatalf("without a proof: %v", err)
	}
	if out, err := witness("--checkpoint", second, "--consistency", proof); err != nil || !strings.Contains(out, "consistent: 10 → 15") {
		t.Fatalf("second: %q, %v", out, err)
	}
	b, _ := os.ReadFile(held)
	wv, _ := note.NewVerifier(wvkey)
	if n, err := note.Open(b, note.VerifierList(wv)); err != nil || len(n.Sigs) != 1 {
		t.Fatalf("held checkpoint not co-signed by the witness: %v", err)
	}
	if out, err := f.verify("--checkpoint", held, "--verifier-key", f.vkey); err != nil || !strings.Contains(out, "entries 1–15 are as signed") {
		t.Fatalf("verify against the witness's co-signed checkpoint: %q, %v", out, err)
	}
	if _, err := witness("--checkpoint", first); err == nil || !strings.Contains(err.Error(), "older than the one held") {
		t.Fatalf("an older checkpoint: %v", err)
	}

	// An intruder with the database and the signing key rewrites entry 4,
	// recomputes everything, and signs the forged trail with a proof.
	raw, blob, drop := rawStore(t, f.storeArgs)
	exec := func(q string) error { _, err := raw.Exec(q); return err }
	if err := exec(drop); err != nil {
		t.Fatal(err)
	}
	if err := storetest.Forge(f.db, exec, blob, storetest.TamperCases[2].Edit); err != nil {
		t.Fatal(err)
	}
	f.append(t, 1)
	key, err := (&checkpointFlags{keyFile: f.keyFile}).key()
	if err != nil {
		t.Fatal(err)
	}
	head, err := audit.Head(context.Background(), f.db)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := audit.SignCheckpoint(audit.Checkpoint{Origin: "vigie.test.example", Size: head.N, Root: head.Hash, Time: time.Now()}, key.Signer)
	if err != nil {
		t.Fatal(err)
	}
	heldCp, err := audit.OpenCheckpoint(b, key.Verifier)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := audit.ProveConsistency(context.Background(), f.db, heldCp.Tree(), head) // fails to check: the intruder writes it anyway
	forgedFile, forgedProof := filepath.Join(t.TempDir(), "forged.checkpoint"), filepath.Join(t.TempDir(), "forged.consistency")
	os.WriteFile(forgedFile, forged, 0o600)
	os.WriteFile(forgedProof, p.Marshal(), 0o600)
	if _, err := witness("--checkpoint", forgedFile, "--consistency", forgedProof); err == nil || !strings.Contains(err.Error(), "ALERT") {
		t.Fatalf("forged checkpoint: %v", err)
	}
	if _, err := witness("--checkpoint", forgedFile, "--consistency", proof); err == nil || !strings.Contains(err.Error(), "in between") {
		t.Fatalf("a proof of other sizes: %v", err)
	}
	if after, _ := os.ReadFile(held); !bytes.Equal(after, b) {
		t.Fatal("the witness replaced its held checkpoint after an alert")
	}
}

// TestServeRefusesCheckpointsItCannotSign: a zero interval, and a folder
// whose last checkpoint another key signed (a key changed without a new
// folder), stop vigie serve at start rather than leave the trail unsigned.
func TestServeRefusesCheckpointsItCannotSign(t *testing.T) {
	f := newAuditFixture(t, stores[0].args(t))
	otherKey := filepath.Join(t.TempDir(), "other.key")
	vigie(t, "audit", "keygen", "--name", "vigie.test.example", "--out", otherKey)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--audit-key-file", f.keyFile, "--audit-checkpoint-every", "0s"}, "must be positive"},
		{[]string{"--audit-key-file", otherKey, "--audit-checkpoints", f.dir}, "latest.checkpoint"},
	} {
		err := vigieErr(t, append(append([]string{"serve", "--addr", "127.0.0.1:0"}, f.storeArgs...), tc.args...)...)
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("serve %v: %v, want %q", tc.args, err, tc.want)
		}
	}
}
