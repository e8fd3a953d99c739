package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/bank"
	"github.com/vigie-platform/vigie/contenthash"
)

func runBank(ctx context.Context, e env, args []string) error {
	return runSubcommand(ctx, e, "bank", "Usage: vigie bank list|import|export|enable|disable|withdraw [flags]\n\n"+
		"  list      list the hash lists of known content, their source, state and live entries\n"+
		"  import    add a file's entries (CSV or JSON) to a list, made if needed\n"+
		"  export    write a list: csv, json, te-csv (ThreatExchange's columns) or stix (STIX 2.1)\n"+
		"  enable    let a list match again\n"+
		"  disable   stop a list from matching (its entries stay)\n"+
		"  withdraw  stop entries from matching (hashes as kind:value, one a line on standard input)\n\n"+
		"A change takes effect on every running instance within seconds.",
		"list, import, export, enable, disable, withdraw", map[string]storeSubcommand{
			"list": bankList, "import": bankImport, "export": bankExport,
			"enable": bankEnable(true), "disable": bankEnable(false), "withdraw": bankWithdraw,
		}, args)
}

// cliCtx names the command line as the source of the audited changes.
func cliCtx(ctx context.Context) context.Context { return audit.WithSource(ctx, "cli") }

func bankList(ctx context.Context, e env, fs *flag.FlagSet, sf *storeFlags, args []string) error {
	db, _, err := sf.parseAndOpen(ctx, e, fs, args)
	if err != nil {
		return err
	}
	defer db.Close()
	banks, err := db.Banks(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSOURCE\tSIGN\tSTATE\tLIVE ENTRIES\tCREATED")
	for _, b := range banks {
		sign, state := "positive", "enabled"
		if b.Negative {
			sign = "negative"
		}
		if !b.Enabled {
			state = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", b.Name, b.Source, sign, state, b.Entries, b.CreatedAt.Format(time.RFC3339))
	}
	return tw.Flush()
}

func bankImport(ctx context.Context, e env, fs *flag.FlagSet, sf *storeFlags, args []string) error {
	name := fs.String("name", "", "the list's name (default: a JSON file's own)")
	source := fs.String("source", "", "who gives the list (NCMEC, a partner hotline…)")
	negative := fs.Bool("negative", false, "a list of known false positives: a hash within one of its entries matches nothing")
	file := fs.String("file", "-", "the CSV or JSON file to import (- for standard input)")
	db, _, err := sf.parseAndOpen(ctx, e, fs, args)
	if err != nil {
		return err
	}
	defer db.Close()
	var content []byte
	if *file == "-" {
		content, err = io.ReadAll(io.LimitReader(e.stdin, 1<<30))
	} else {
		content, err = os.ReadFile(*file)
	}
	if err != nil {
		return fmt.Errorf("bank import: %w", err)
	}
	imp, err := bank.ReadFile(content, time.Now())
	if err != nil {
		return err
	}
	if *name != "" {
		imp.Name = *name
	}
	if *source != "" {
		imp.Source = *source
	}
	imp.Negative = imp.Negative || *negative
	b, n, err := bank.NewService(db, db, nil).Import(cliCtx(ctx), cliActor(), imp)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %d entries imported\n", b.Name, n)
	return nil
}

func bankExport(ctx context.Context, e env, fs *flag.FlagSet, sf *storeFlags, args []string) error {
	format := fs.String("format", bank.FormatCSV, "csv, json, te-csv (ThreatExchange's signal exchange columns) or stix (STIX 2.1 file observables)")
	name := fs.String("name", "", "the list (required)")
	db, _, err := sf.parseAndOpen(ctx, e, fs, args)
	if err != nil {
		return err
	}
	defer db.Close()
	if !slices.Contains(bank.Formats, *format) {
		return fmt.Errorf("bank export: unknown format %q (%s)", *format, strings.Join(bank.Formats, ", "))
	}
	b, entries, err := bank.NewService(db, db, nil).Export(ctx, *name)
	if errors.Is(err, bank.ErrNotFound) {
		return fmt.Errorf("bank export: no list named %q", *name)
	}
	if err != nil {
		return err
	}
	if err := auditCLI(ctx, db, "bank.export", "bank", b.Name, map[string]any{"format": *format}); err != nil {
		return err
	}
	w := bufio.NewWriter(e.stdout)
	if err := bank.Export(w, *format, b, entries, time.Now()); err != nil {
		return err
	}
	return w.Flush()
}

func bankEnable(enabled bool) storeSubcommand {
	return func(ctx context.Context, e env, fs *flag.FlagSet, sf *storeFlags, args []string) error {
		name := fs.String("name", "", "the list (required)")
		db, _, err := sf.parseAndOpen(ctx, e, fs, args)
		if err != nil {
			return err
		}
		defer db.Close()
		err = bank.NewService(db, db, nil).SetEnabled(cliCtx(ctx), cliActor(), *name, enabled)
		if errors.Is(err, bank.ErrNotFound) {
			return fmt.Errorf("bank: no list named %q", *name)
		}
		return err
	}
}

func bankWithdraw(ctx context.Context, e env, fs *flag.FlagSet, sf *storeFlags, args []string) error {
	name := fs.String("name", "", "the list (required)")
	db, _, err := sf.parseAndOpen(ctx, e, fs, args)
	if err != nil {
		return err
	}
	defer db.Close()
	var values []string
	{
		sc := bufio.NewScanner(e.stdin)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) > 0 {
				values = append(values, f[0])
			}
		}
		if err := sc.Err(); err != nil {
			return err
		}
	}
	hashes := make([]contenthash.Hash, 0, len(values))
	for _, v := range values {
		h, err := contenthash.Parse(v)
		if err != nil {
			return fmt.Errorf("bank withdraw: %w", err)
		}
		hashes = append(hashes, h)
	}
	n, err := bank.NewService(db, db, nil).Withdraw(cliCtx(ctx), cliActor(), *name, hashes)
	if errors.Is(err, bank.ErrNotFound) {
		return fmt.Errorf("bank withdraw: no list named %q", *name)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %d entries withdrawn\n", *name, n)
	return nil
}
