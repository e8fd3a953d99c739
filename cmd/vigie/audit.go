package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/audit"
	"golang.org/x/mod/sumdb/note"
)

const auditUsage = `Usage: vigie audit SUBCOMMAND [flags]

  verify       check the whole trail: the hash chain, the Merkle tree rebuilt from
               the entries against the stored one, and, with --checkpoint and
               --verifier-key, that the trail still extends each signed checkpoint;
               exits non-zero, saying why, if an entry was altered, removed,
               reordered or cut off the end
  keygen       make the installation's signing key (--name, --out) and print its
               verifier key
  checkpoint   sign a checkpoint of the trail now (vigie serve does it every minute)
  prove N      print an inclusion proof of entry N, against the whole tree or the
               tree of a signed checkpoint (--checkpoint), for a second party
  check-proof  check an inclusion proof offline (no database): --proof FILE,
               --verifier-key KEY
  witness      for a second party, off the machine: check that a new checkpoint
               extends the one held (--held, --checkpoint, --consistency,
               --verifier-key), co-sign it (--cosign-key) and hold it`

func runAudit(ctx context.Context, e env, args []string) error {
	return runSubcommand(ctx, e, "audit", auditUsage, "verify, keygen, checkpoint, prove, check-proof, witness",
		map[string]storeSubcommand{"verify": auditVerify, "keygen": auditKeygen, "checkpoint": auditCheckpoint, "prove": auditProve, "check-proof": auditCheckProof, "witness": auditWitness}, args)
}

// verifierFlags gathers --verifier-key (repeatable): a verifier key, or a
// file holding one.
type verifierFlags []note.Verifier

func (v *verifierFlags) register(fs *flag.FlagSet) {
	fs.Func("verifier-key", "the installation's verifier key (NAME+HASH+KEY, as `vigie audit keygen` printed it), or a file holding it; repeatable", func(s string) error {
		vkey := strings.TrimSpace(s)
		if _, err := note.NewVerifier(vkey); err != nil {
			b, ferr := os.ReadFile(s)
			if ferr != nil {
				return fmt.Errorf("neither a verifier key (%v) nor a readable file (%v)", err, ferr)
			}
			vkey = strings.TrimSpace(string(b))
		}
		ver, err := note.NewVerifier(vkey)
		if err != nil {
			return fmt.Errorf("verifier key: %w", err)
		}
		*v = append(*v, ver)
		return nil
	})
}

// signedCheckpoint is a checkpoint read from a file, its signature checked.
type signedCheckpoint struct {
	audit.Checkpoint
	file string
	msg  []byte
}

// readCheckpoints reads the checkpoints of the given files and folders
// (every *.checkpoint file under a folder, as vigie serve writes them),
// each signature checked with the verifiers.
func readCheckpoints(paths []string, verifiers []note.Verifier) ([]signedCheckpoint, error) {
	if len(paths) > 0 && len(verifiers) == 0 {
		return nil, errors.New("--checkpoint needs --verifier-key: an unsigned checkpoint proves nothing")
	}
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("checkpoint: %w", err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, checkpointSuffix) {
				files = append(files, path)
			}
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("checkpoint: %w", err)
		}
	}
	var out []signedCheckpoint
	for _, f := range files {
		msg, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("checkpoint: %w", err)
		}
		c, err := audit.OpenCheckpoint(msg, verifiers...)
		if err != nil {
			return nil, fmt.Errorf("checkpoint %s: %w", f, err)
		}
		out = append(out, signedCheckpoint{c, f, msg})
	}
	if len(paths) > 0 && len(out) == 0 {
		return nil, fmt.Errorf("checkpoint: no *%s file in %s", checkpointSuffix, strings.Join(paths, ", "))
	}
	return out, nil
}

func auditVerify(ctx context.Context, e env, fs *flag.FlagSet, sf *storeFlags, args []string) error {
	anchorFile := fs.String("anchor", "", "file of chain heads written by earlier runs, for trails verified without a signing key (keep it off the database's machine): each must still be in the trail; the current head is appended. Signed checkpoints (--checkpoint) do more")
	var checkpointPaths []string
	fs.Func("checkpoint", "a signed checkpoint file, or a folder of them (vigie serve --audit-checkpoints); repeatable: the trail must extend each", func(s string) error {
		checkpointPaths = append(checkpointPaths, s)
		return nil
	})
	var verifiers verifierFlags
	verifiers.register(fs)
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	anchors, err := readAnchors(*anchorFile)
	if err != nil {
		return err
	}
	signed, err := readCheckpoints(checkpointPaths, verifiers)
	if err != nil {
		return err
	}
	db, _, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	checkpoints := make([]audit.Checkpoint, len(signed))
	for i, c := range signed {
		checkpoints[i] = c.Checkpoint
	}
	res, err := audit.VerifyTree(ctx, db, checkpoints, anchors...)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "audit trail intact: %d entries, head %s\ntree root %s\n", res.Entries, hex.EncodeToString(res.Head), res.Root)
	if len(signed) > 0 {
		newest := slices.MaxFunc(signed, func(a, b signedCheckpoint) int { return cmp.Compare(a.Size, b.Size) })
		fmt.Fprintf(e.stdout, "%d signed checkpoint files hold; the largest, %s (%d entries, %s), is extended by the trail: entries 1–%d are as signed",
			len(signed), newest.file, newest.Size, newest.Time.Format(time.RFC3339), newest.Size)
		if res.Entries > newest.Size {
			fmt.Fprintf(e.stdout, "; entries %d–%d await a checkpoint", newest.Size+1, res.Entries)
		}
		fmt.Fprintln(e.stdout)
	}
	if *anchorFile != "" && res.Entries > 0 {
		f, err := os.OpenFile(*anchorFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("anchor: %w", err)
		}
		defer f.Close()
		if _, err := fmt.Fprintf(f, "%d %s %s\n", res.Entries, hex.EncodeToString(res.Head), time.Now().UTC().Format(time.RFC3339)); err != nil {
			return fmt.Errorf("anchor: %w", err)
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("anchor: %w", err)
		}
		fmt.Fprintf(e.stdout, "%d anchors checked; head appended to %s\n", len(anchors), *anchorFile)
	}
	return nil
}

func auditKeygen(ctx context.Context, e env, fs *flag.FlagSet, sf *storeFlags, args []string) error {
	name := fs.String("name", "", "the installation's name, the origin line of its checkpoints (e.g. vigie.hotline.example)")
	out := fs.String("out", "", "file to write the private key to (created 0600, never overwritten); give it to vigie serve --audit-key-file")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	if *name == "" || *out == "" {
		return errors.New("audit keygen: --name and --out are required")
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, *name)
	if err != nil {
		return fmt.Errorf("audit keygen: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o700); err != nil {
		return fmt.Errorf("audit keygen: %w", err)
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("audit keygen: %w", err)
	}
	_, err = fmt.Fprintln(f, skey)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(*out)
		return fmt.Errorf("audit keygen: %w", err)
	}
	fmt.Fprintln(e.stderr, "private key written to", *out, "(keep it off backups of the database); verifier key, for verifiers and witnesses:")
	fmt.Fprintln(e.stdout, vkey)
	return nil
}

func auditCheckpoint(ctx context.Context, e env, fs *flag.FlagSet, sf *storeFlags, args []string) error {
	cf := new(checkpointFlags)
	cf.register(fs, false)
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	key, err := cf.key()
	if err != nil {
		return err
	}
	if key == nil {
		return errors.New("audit checkpoint: --audit-key-file is required")
	}
	db, _, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	c := &checkpointer{db: db, key: *key, dir: cf.dir, logger: slog.New(slog.DiscardHandler), now: time.Now}
	if err := c.loadLast(); err != nil {
		return err
	}
	msg, err := c.sign(ctx, true)
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(msg)
	return err
}

func auditProve(ctx context.Context, e env, fs *flag.FlagSet, sf *storeFlags, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return errors.New("usage: vigie audit prove N [--checkpoint FILE --verifier-key KEY] [store flags]")
	}
	seq, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil || seq < 1 {
		return fmt.Errorf("audit prove: entry number %q", args[0])
	}
	checkpointFile := fs.String("checkpoint", "", "prove against this signed checkpoint's tree (the proof then carries it, and a second party needs only the verifier key); without it, against the whole trail, with an unsigned root")
	var verifiers verifierFlags
	verifiers.register(fs)
	if err := parseFlags(fs, e, args[1:]); err != nil {
		return err
	}
	var signed []signedCheckpoint
	if *checkpointFile != "" {
		if signed, err = readCheckpoints([]string{*checkpointFile}, verifiers); err != nil {
			return err
		}
		if len(signed) != 1 {
			return fmt.Errorf("audit prove: --checkpoint names one file, %s holds %d checkpoints", *checkpointFile, len(signed))
		}
	}
	db, _, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	var size int64
	if len(signed) == 1 {
		size = signed[0].Size
	} else {
		head, err := audit.Head(ctx, db)
		if err != nil {
			return err
		}
		size = head.N
	}
	p, err := audit.ProveInclusion(ctx, db, seq, size)
	if err != nil {
		return err
	}
	if len(signed) == 1 {
		if p.Root != signed[0].Root {
			return fmt.Errorf("audit prove: the stored tree of %d entries has root %s, the checkpoint signed %s: the trail was rewritten (run vigie audit verify)", size, p.Root, signed[0].Root)
		}
		p.Checkpoint = signed[0].msg
	}
	b, err := p.Marshal()
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(b)
	return err
}

func auditCheckProof(ctx context.Context, e env, fs *flag.FlagSet, sf *storeFlags, args []string) error {
	proofFile := fs.String("proof", "-", "the proof, as vigie audit prove printed it (- for standard input)")
	var verifiers verifierFlags
	verifiers.register(fs)
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	var b []byte
	var err error
	if *proofFile == "-" {
		b, err = io.ReadAll(io.LimitReader(e.stdin, 2<<20))
	} else {
		b, err = os.ReadFile(*proofFile)
	}
	if err != nil {
		return fmt.Errorf("audit check-proof: %w", err)
	}
	p, err := audit.ParseInclusionProof(b)
	if err != nil {
		return err
	}
	c, err := audit.CheckInclusion(p, verifiers...)
	if err != nil {
		return err
	}
	en := p.Entry
	fmt.Fprintf(e.stdout, "entry %d (%s, %s %s %s/%s from %s) is in the tree of %d entries with root %s\n",
		en.Seq, en.At.Format(time.RFC3339Nano), en.Actor, en.Action, en.ObjectType, en.ObjectID, en.Source, p.TreeSize, p.Root)
	if c == nil {
		fmt.Fprintf(e.stdout, "the root is not signed: compare it with a checkpoint of %d entries\n", p.TreeSize)
	} else {
		fmt.Fprintf(e.stdout, "signed by %s at %s\n", c.Origin, c.Time.Format(time.RFC3339))
	}
	return nil
}

// readAnchors reads "SEQ HEX [TIME]" lines; a missing file has none.
func readAnchors(path string) ([]audit.Anchor, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("anchor: %w", err)
	}
	var out []audit.Anchor
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		seq, err1 := strconv.ParseInt(f[0], 10, 64)
		var h []byte
		var err2 error
		if len(f) > 1 {
			h, err2 = hex.DecodeString(f[1])
		}
		if len(f) < 2 || err1 != nil || err2 != nil || seq < 1 || len(h) != 32 {
			return nil, fmt.Errorf("anchor %s line %d: want \"SEQ HASH\", got %q", path, i+1, line)
		}
		out = append(out, audit.Anchor{Seq: seq, Hash: h})
	}
	return out, nil
}

// cliActor names who runs a command, in the audit trail.
func cliActor() string {
	if u, err := user.Current(); err == nil {
		return "cli:" + u.Username
	}
	return "cli"
}

// cliEntry is the audit entry of an administrative act done from the
// command line.
func cliEntry(action, objectType, objectID string, detail map[string]any) audit.Entry {
	d, _ := json.Marshal(detail)
	return audit.Entry{At: time.Now(), Actor: cliActor(), Action: action, ObjectType: objectType, ObjectID: objectID, Source: "cli", Detail: string(d)}
}

// auditCLI records a read done from the command line (a change is
// recorded in its own transaction instead, with audit.Within).
func auditCLI(ctx context.Context, db store, action, objectType, objectID string, detail map[string]any) error {
	_, err := db.AppendAudit(ctx, cliEntry(action, objectType, objectID, detail))
	return err
}
