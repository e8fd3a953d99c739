package main

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/vigie-platform/vigie/retention"
	"github.com/vigie-platform/vigie/taxonomy"
)

func runPurge(ctx context.Context, e env, args []string) error {
	fs, sf := storeFlagSet("purge")
	taxonomyFile := fs.String("taxonomy", "", "taxonomy file (JSON) whose retention_days apply, replacing the embedded default")
	dryRun := fs.Bool("dry-run", false, "count what would be purged, change nothing")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	tax, err := taxonomy.Load(*taxonomyFile)
	if err != nil {
		return err
	}
	db, _, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	// A first purge after a long pause can take minutes: a line shows the
	// count and the rate on a terminal (nothing in logs).
	bar := newProgress(e.stderr, "purge", "reports", 0)
	res, err := retention.PurgeProgress(ctx, db, tax, time.Now(), *dryRun, cliActor(), bar.Update)
	bar.Done()
	if err != nil {
		return err
	}
	counts := res.Purged
	verb := "purged"
	if *dryRun {
		counts, verb = res.Candidates, "would purge"
	}
	cats := make([]string, 0, len(counts))
	for c := range counts {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	for _, c := range cats {
		cat, _ := tax.Lookup(c)
		fmt.Fprintf(e.stdout, "%s: %s %d reports older than %d days\n", c, verb, counts[c], int(cat.Retention().Hours()/24))
	}
	fmt.Fprintf(e.stdout, "%s %d reports in all; %d attachments deleted; %d closed cases; figures are kept\n", verb, res.Total(), res.Blobs, res.Cases)
	return nil
}
