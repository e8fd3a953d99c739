package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/vigie-platform/vigie/audit"
	"golang.org/x/mod/sumdb/note"
)

// auditWitness is the second party's side: run on another machine, with
// no access to the database, it takes each new checkpoint the server
// wrote and the consistency proof beside it, checks the signature and
// that the new checkpoint extends the one it holds, then holds the new
// one (co-signed with its own key, if it has one). Anything else is an
// alert, and the held checkpoint is left as it was, to check the trail
// against (vigie audit verify --checkpoint HELD).
func auditWitness(ctx context.Context, e env, fs *flag.FlagSet, sf *storeFlags, args []string) error {
	held := fs.String("held", "", "the witness's file holding the last checkpoint it accepted (created at the first run: trust on first use)")
	newFile := fs.String("checkpoint", "", "the new signed checkpoint (e.g. a copy of the server's latest.checkpoint)")
	proofFile := fs.String("consistency", "", "the consistency proof written beside it (latest.consistency); not needed when the size did not change")
	cosignFile := fs.String("cosign-key", "", "the witness's own private key (vigie audit keygen, under the witness's name): the held checkpoint is co-signed with it")
	var verifiers verifierFlags
	verifiers.register(fs)
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	if *held == "" || *newFile == "" || len(verifiers) == 0 {
		return errors.New("audit witness: --held, --checkpoint and --verifier-key are required")
	}
	msg, err := os.ReadFile(*newFile)
	if err != nil {
		return fmt.Errorf("audit witness: %w", err)
	}
	next, err := audit.OpenCheckpoint(msg, verifiers...)
	if err != nil {
		return fmt.Errorf("audit witness: ALERT: %s: %w", *newFile, err)
	}
	heldMsg, err := os.ReadFile(*held)
	switch {
	case errors.Is(err, os.ErrNotExist):
		fmt.Fprintf(e.stdout, "holding a first checkpoint: %d entries, root %s (trusted on first use)\n", next.Size, next.Root)
	case err != nil:
		return fmt.Errorf("audit witness: %w", err)
	default:
		prev, err := audit.OpenCheckpoint(heldMsg, verifiers...)
		if err != nil {
			return fmt.Errorf("audit witness: the held checkpoint %s: %w", *held, err)
		}
		if next.Size < prev.Size {
			return fmt.Errorf("audit witness: the checkpoint of %d entries is older than the one held (%d): give the newest", next.Size, prev.Size)
		}
		proof := audit.ConsistencyProof{Old: prev.Tree(), New: next.Tree()}
		if next.Size > prev.Size {
			if *proofFile == "" {
				return errors.New("audit witness: the trail grew: --consistency is needed")
			}
			b, err := os.ReadFile(*proofFile)
			if err != nil {
				return fmt.Errorf("audit witness: %w", err)
			}
			if proof, err = audit.ParseConsistencyProof(b); err != nil {
				return fmt.Errorf("audit witness: %w", err)
			}
			if proof.Old != prev.Tree() || proof.New != next.Tree() {
				return fmt.Errorf("audit witness: the proof goes from %d to %d entries, the witness holds %d and was given %d: give the checkpoints in between, in order",
					proof.Old.N, proof.New.N, prev.Size, next.Size)
			}
		}
		if err := proof.Check(); err != nil {
			return fmt.Errorf("audit witness: ALERT: the checkpoint of %s does not extend the one held (%s): %w", next.Time.Format("2006-01-02 15:04:05Z"), prev.Time.Format("2006-01-02 15:04:05Z"), err)
		}
		fmt.Fprintf(e.stdout, "consistent: %d → %d entries, root %s\n", prev.Size, next.Size, next.Root)
	}
	if *cosignFile != "" {
		if msg, err = cosign(msg, *cosignFile, verifiers); err != nil {
			return err
		}
	}
	if err := writeWhole(*held, msg); err != nil {
		return fmt.Errorf("audit witness: %w", err)
	}
	return nil
}

// cosign adds the witness's signature to a checkpoint.
func cosign(msg []byte, keyFile string, verifiers []note.Verifier) ([]byte, error) {
	key, err := (&checkpointFlags{keyFile: keyFile}).key()
	if err != nil {
		return nil, fmt.Errorf("audit witness: co-sign key: %w", err)
	}
	n, err := note.Open(msg, note.VerifierList(verifiers...))
	if err != nil {
		return nil, err
	}
	out, err := note.Sign(n, key.Signer)
	if err != nil {
		return nil, fmt.Errorf("audit witness: co-sign: %w", err)
	}
	return out, nil
}
