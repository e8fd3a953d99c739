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
	if done, err := subcommandHelp(e, "correlate", args, "Usage: vigie correlate rebuild|stats [flags]\n\n  rebuild  empty the cross-referencing index and link every report again\n  stats    show the most shared identifiers"); done {
		return err
	}
	sub, rest := args[0], args[1:]
	fs := flag.NewFlagSet("correlate "+sub, flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	switch sub {
	case "rebuild":
		listFile := fs.String("warning-list", "", "warning list file replacing the embedded one")
		region := fs.String("phone-region", "FR", "country assumed for national phone numbers")
		if err := parseFlags(fs, e, rest); err != nil {
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
		last := time.Now()
		n, err := l.Rebuild(ctx, func(done int) {
			if time.Since(last) > 5*time.Second {
				fmt.Fprintf(e.stderr, "%d reports linked (%.0f/s)\n", done, float64(done)/time.Since(start).Seconds())
				last = time.Now()
			}
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "rebuilt the index from %d reports in %s\n", n, time.Since(start).Round(time.Millisecond))
		return nil
	case "stats":
		top := fs.Int("top", 20, "how many values to show")
		if err := parseFlags(fs, e, rest); err != nil {
			return err
		}
		db, _, err := sf.open(ctx)
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
	default:
		return fmt.Errorf("correlate: unknown subcommand %q (rebuild, stats)", sub)
	}
}
