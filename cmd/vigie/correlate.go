package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/indicator"
)

func runCorrelate(ctx context.Context, e env, args []string) error {
	return runSubcommand(ctx, e, "correlate", "Usage: vigie correlate rebuild|stats [flags]\n\n  rebuild  empty the cross-referencing index and link every report again\n  stats    show the most shared identifiers",
		"rebuild, stats", map[string]storeSubcommand{"rebuild": correlateRebuild, "stats": correlateStats}, args)
}

func correlateRebuild(ctx context.Context, e env, fs *flag.FlagSet, sf *storeFlags, args []string) error {
	listFile := fs.String("warning-list", "", "warning list file replacing the embedded one")
	region := fs.String("phone-region", "FR", "country assumed for national phone numbers")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	list, err := correlate.LoadWarningList(*listFile)
	if err != nil {
		return err
	}
	db, _, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	l := correlate.NewLinker(db, list, indicator.Options{Region: *region}, nil)
	total, err := db.CountReports(ctx)
	if err != nil {
		return err
	}
	shown := newProgress(e.stderr, "correlate rebuild", "reports linked", int(total))
	n, err := l.Rebuild(ctx, shown.Update)
	if err != nil {
		return err
	}
	shown.Done()
	fmt.Fprintf(e.stdout, "rebuilt the index from %d reports in %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}

func correlateStats(ctx context.Context, e env, fs *flag.FlagSet, sf *storeFlags, args []string) error {
	top := fs.Int("top", 20, "how many values to show")
	db, _, err := sf.parseAndOpen(ctx, e, fs, args)
	if err != nil {
		return err
	}
	defer db.Close()
	infos, err := db.TopIndicators(ctx, *top)
	if err != nil {
		return err
	}
	pending, err := db.UnlinkedCount(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tVALUE\tREPORTS\tFIRST SEEN\tLAST SEEN\tFLAGGED")
	for _, i := range infos {
		flagged := "-"
		if i.Flagged != "" {
			flagged = i.Flagged
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", i.Type, i.Value, i.Count, i.FirstSeen.Format(time.DateOnly), i.LastSeen.Format(time.DateOnly), flagged)
	}
	fmt.Fprintf(tw, "\nreports waiting to be linked: %d\n", pending)
	return tw.Flush()
}
