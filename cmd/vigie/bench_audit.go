package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/vigie-platform/vigie/audit"
	"golang.org/x/mod/sumdb/note"
)

// runBenchAudit fills a store's audit trail to --entries (in batches, as
// no server writes it: the per-act append rate is BenchmarkAuditAppend's),
// signs a checkpoint of it, then times `vigie audit verify` against that
// checkpoint (chain, tree rebuilt and compared with the stored one, root
// against the checkpoint), a tree head, and an inclusion proof.
func runBenchAudit(ctx context.Context, e env, args []string) error {
	fs, sf := storeFlagSet("bench audit")
	fs.Lookup("data").DefValue = ""
	sf.data = ""
	entries := fs.Int64("entries", 1_000_000, "entries in the trail (added when fewer are there)")
	runs := fs.Int("runs", 3, "times verify is run")
	db, kind, remove, err := sf.openScratch(ctx, e, fs, args, "vigie-bench-audit-")
	if err != nil {
		return err
	}
	defer remove()
	defer db.Close()
	batcher, ok := db.(interface {
		AppendAuditBatch(context.Context, []audit.Entry) error
	})
	if !ok {
		return errors.New("bench audit: the store cannot append in batches")
	}
	have, _, err := db.AuditTreeSize(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "store=%s entries wanted=%d present=%d\n", kind, *entries, have)
	if have < *entries {
		start := time.Now()
		batch := make([]audit.Entry, 0, 5000)
		for n := have; n < *entries; {
			batch = batch[:0]
			for ; n < *entries && len(batch) < cap(batch); n++ {
				batch = append(batch, audit.Entry{At: time.Now(), Actor: fmt.Sprintf("analyst%02d@hotline.example", n%40), Action: "report.view",
					ObjectType: "report", ObjectID: fmt.Sprintf("0195f3a2-7c1e-7b7a-9f1e-%012x", n), Source: "203.0.113.7",
					Detail: fmt.Sprintf(`{"via":"queue","page":%d}`, n%50)})
			}
			if err := batcher.AppendAuditBatch(ctx, batch); err != nil {
				return err
			}
		}
		d := time.Since(start)
		fmt.Fprintf(e.stdout, "filled %d entries in %s (%.0f entries/s in batches of %d)\n", *entries-have, d.Round(time.Millisecond), float64(*entries-have)/d.Seconds(), cap(batch))
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, "bench.vigie.example")
	if err != nil {
		return err
	}
	key, err := audit.ParseKey(skey)
	if err != nil {
		return err
	}
	start := time.Now()
	head, err := audit.Head(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "tree head (%d entries) read in %s\n", head.N, time.Since(start).Round(time.Microsecond))
	msg, err := audit.SignCheckpoint(audit.Checkpoint{Origin: "bench.vigie.example", Size: head.N, Root: head.Hash, Time: time.Now()}, key.Signer)
	if err != nil {
		return err
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return err
	}
	start = time.Now()
	p, err := audit.ProveInclusion(ctx, db, head.N/2, head.N)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "inclusion proof of entry %d (%d hashes) in %s\n", head.N/2, len(p.Hashes), time.Since(start).Round(time.Microsecond))
	for i := range *runs {
		start := time.Now()
		cp, err := audit.OpenCheckpoint(msg, verifier)
		if err != nil {
			return err
		}
		res, err := audit.VerifyTree(ctx, db, []audit.Checkpoint{cp})
		if err != nil {
			return err
		}
		d := time.Since(start)
		fmt.Fprintf(e.stdout, "verify run %d: %d entries, checkpoint of %d holds, in %s (%.0f entries/s)\n", i+1, res.Entries, res.Signed, d.Round(time.Millisecond), float64(res.Entries)/d.Seconds())
	}
	return nil
}
