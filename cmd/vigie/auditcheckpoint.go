package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/audit"
)

// Signed checkpoints of the audit trail (audit/checkpoint.go), written by
// vigie serve to a folder and to its log, so that the trail's state is
// known outside the database. Reading the tree's head costs two queries
// and a few dozen hashes a minute, outside every request: intake never
// waits for it.

// checkpointSuffix ends every checkpoint file's name.
const checkpointSuffix = ".checkpoint"

// consistencySuffix ends the name of the consistency proof written
// beside each checkpoint (from the one signed before).
const consistencySuffix = ".consistency"

// latestCheckpoint is the file, in the folder, that always holds the
// newest checkpoint (replaced whole), for witnesses to fetch.
const latestCheckpoint = "latest" + checkpointSuffix

type checkpointFlags struct {
	keyFile   string
	dir       string
	every     time.Duration
	heartbeat time.Duration
}

func (f *checkpointFlags) register(fs *flag.FlagSet, serve bool) {
	fs.StringVar(&f.keyFile, "audit-key-file", "", "the installation's private key that signs audit checkpoints (vigie audit keygen; the file must be readable by its owner only)")
	fs.StringVar(&f.dir, "audit-checkpoints", "", "folder to write the signed audit checkpoints to (DAY/TIME-SIZE.checkpoint, and latest.checkpoint); copy them off the machine")
	if serve {
		fs.DurationVar(&f.every, "audit-checkpoint-every", time.Minute, "how often to sign a checkpoint when the audit trail grew")
		fs.DurationVar(&f.heartbeat, "audit-checkpoint-heartbeat", time.Hour, "how often to sign one when it did not grow, to show the server is alive")
	}
}

// key reads the signing key, or returns nil when none was given.
func (f *checkpointFlags) key() (*audit.Key, error) {
	if f.keyFile == "" {
		return nil, nil
	}
	st, err := os.Stat(f.keyFile)
	if err != nil {
		return nil, fmt.Errorf("--audit-key-file: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("--audit-key-file: %s is readable by others (mode %v): chmod 600 it", f.keyFile, st.Mode().Perm())
	}
	b, err := os.ReadFile(f.keyFile)
	if err != nil {
		return nil, fmt.Errorf("--audit-key-file: %w", err)
	}
	k, err := audit.ParseKey(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("--audit-key-file: %w", err)
	}
	return &k, nil
}

// checkpointer returns the checkpointer vigie serve runs; without a key,
// its run says once, in the log, that the trail is not checkpointed.
func (f *checkpointFlags) checkpointer(db audit.TreeStore, logger *slog.Logger) (*checkpointer, error) {
	key, err := f.key()
	if err != nil {
		return nil, err
	}
	if f.every <= 0 || f.heartbeat <= 0 {
		return nil, errors.New("--audit-checkpoint-every and --audit-checkpoint-heartbeat must be positive")
	}
	c := &checkpointer{db: db, dir: f.dir, every: f.every, heartbeat: f.heartbeat, logger: logger, now: time.Now}
	if key == nil {
		return c, nil
	}
	c.key = *key
	if err := c.loadLast(); err != nil {
		return nil, err
	}
	return c, nil
}

type checkpointer struct {
	db               audit.TreeStore
	key              audit.Key // zero: no key given
	dir              string
	every, heartbeat time.Duration
	logger           *slog.Logger
	now              func() time.Time
	// last is the newest checkpoint this installation signed that the
	// checkpointer knows of: the next must extend it.
	last   *audit.Checkpoint
	lastAt time.Time // when this process signed last (zero: not yet)
}

// loadLast reads the newest checkpoint of the folder, if any, its
// signature checked, so that a restarted server still refuses to sign a
// trail that no longer extends it.
func (c *checkpointer) loadLast() error {
	if c.dir == "" {
		return nil
	}
	msg, err := os.ReadFile(filepath.Join(c.dir, latestCheckpoint))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("audit checkpoints: %w", err)
	}
	last, err := audit.OpenCheckpoint(msg, c.key.Verifier)
	if err != nil {
		return fmt.Errorf("audit checkpoints: %s: %w", filepath.Join(c.dir, latestCheckpoint), err)
	}
	c.last = &last
	return nil
}

// run signs a checkpoint at start and then every c.every when the trail
// grew, or every c.heartbeat when it did not.
func (c *checkpointer) run(ctx context.Context) {
	if c.key.Signer == nil {
		c.logger.Warn("audit checkpoints off: no --audit-key-file; a rewrite of the audit trail with its hashes recomputed cannot be detected")
		return
	}
	c.logger.Info("audit checkpoints on", "origin", c.key.Signer.Name(), "verifier_key", c.key.VerifierKey, "folder", c.dir)
	t := time.NewTicker(c.every)
	defer t.Stop()
	for {
		if _, err := c.sign(ctx, false); err != nil && ctx.Err() == nil {
			c.logger.Error("audit checkpoint", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sign signs the trail's current tree, unless it is the one signed last
// and the heartbeat is not due (force signs anyway), and writes it out.
// It refuses to sign a tree that does not extend the last checkpoint:
// that trail was cut or rewritten, and a new signature would launder it.
func (c *checkpointer) sign(ctx context.Context, force bool) ([]byte, error) {
	head, err := audit.Head(ctx, c.db)
	if err != nil {
		return nil, err
	}
	now := c.now().UTC().Truncate(time.Second)
	var proof *audit.ConsistencyProof
	if last := c.last; last != nil {
		if head == last.Tree() && !force && !c.lastAt.IsZero() && now.Sub(c.lastAt) < c.heartbeat {
			return nil, nil
		}
		p, err := audit.ProveConsistency(ctx, c.db, last.Tree(), head)
		if err != nil {
			return nil, fmt.Errorf("not signing: the audit trail (%d entries, root %s) does not extend the checkpoint of %s (%d entries, root %s): %w (run vigie audit verify)",
				head.N, head.Hash, last.Time.Format(time.RFC3339), last.Size, last.Root, err)
		}
		proof = &p
	}
	cp := audit.Checkpoint{Origin: c.key.Signer.Name(), Size: head.N, Root: head.Hash, Time: now}
	msg, err := audit.SignCheckpoint(cp, c.key.Signer)
	if err != nil {
		return nil, err
	}
	if c.dir != "" {
		if err := writeCheckpoint(c.dir, cp, msg, proof); err != nil {
			return nil, err
		}
	}
	c.logger.Info("audit checkpoint", "size", cp.Size, "root", cp.Root.String(), "checkpoint", string(msg))
	c.last, c.lastAt = &cp, now
	return msg, nil
}

// writeCheckpoint writes a signed checkpoint to DIR/DAY/TIME-SIZE.checkpoint
// and replaces DIR/latest.checkpoint, each file written whole (a reader
// never sees half of one), mode 0600 in folders 0700. The proof that it
// extends the checkpoint signed before, if any, goes beside it
// (.consistency), for witnesses.
func writeCheckpoint(dir string, cp audit.Checkpoint, msg []byte, proof *audit.ConsistencyProof) error {
	day := filepath.Join(dir, cp.Time.Format(time.DateOnly))
	if err := os.MkdirAll(day, 0o700); err != nil {
		return fmt.Errorf("audit checkpoint: %w", err)
	}
	base := fmt.Sprintf("%s-%d", cp.Time.Format("150405Z"), cp.Size)
	var files [][2]string // path, content; latest.checkpoint last
	if proof != nil {
		files = append(files, [2]string{filepath.Join(day, base+consistencySuffix), string(proof.Marshal())},
			[2]string{filepath.Join(dir, "latest"+consistencySuffix), string(proof.Marshal())})
	}
	files = append(files, [2]string{filepath.Join(day, base+checkpointSuffix), string(msg)},
		[2]string{filepath.Join(dir, latestCheckpoint), string(msg)})
	for _, f := range files {
		if err := writeWhole(f[0], []byte(f[1])); err != nil {
			return fmt.Errorf("audit checkpoint: %w", err)
		}
	}
	return nil
}

// writeWhole writes b to path through a temporary file renamed over it.
func writeWhole(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*") // mode 0600
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
