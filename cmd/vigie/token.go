package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigie-platform/vigie/apitoken"
	"github.com/vigie-platform/vigie/audit"
)

func runToken(ctx context.Context, e env, args []string) error {
	return runSubcommand(ctx, e, "token", "Usage: vigie token create|list|revoke [flags]\n\n  create  make a token and print it once\n  list    list tokens (never their secrets)\n  revoke  revoke a token by name",
		"create, list, revoke", map[string]storeSubcommand{"create": tokenCreate, "list": tokenList, "revoke": tokenRevoke}, args)
}

func tokenCreate(ctx context.Context, e env, fs *flag.FlagSet, sf *storeFlags, args []string) error {
	name := fs.String("name", "", "token name: who uses it (required)")
	scopes := fs.String("scopes", apitoken.ScopeReportsWrite, "space- or comma-separated scopes: "+strings.Join(apitoken.KnownScopes, ", "))
	rate := fs.Float64("rate", 50, "reports (a batch counts each) or reads per second allowed to this token; 0 for no limit")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	if err := apitoken.ValidateName(*name); err != nil {
		return err
	}
	scopeList := strings.FieldsFunc(*scopes, func(r rune) bool { return r == ',' || r == ' ' })
	for _, s := range scopeList {
		if !slices.Contains(apitoken.KnownScopes, s) {
			return fmt.Errorf("unknown scope %q (known: %s)", s, strings.Join(apitoken.KnownScopes, ", "))
		}
	}
	if *rate < 0 {
		return errors.New("--rate must be 0 or more")
	}
	db, _, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	secret, hash := apitoken.New()
	err = audit.Within(ctx, cliEntry("token.create", "token", *name, map[string]any{"scopes": scopeList, "rate": *rate}), func(ctx context.Context) error {
		_, err := db.CreateToken(ctx, apitoken.Token{Name: *name, Hash: hash, Scopes: scopeList, Rate: *rate, CreatedAt: time.Now().UTC()})
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, secret)
	fmt.Fprintln(e.stderr, "Token created. It is shown once: store it now.")
	return nil
}

func tokenList(ctx context.Context, e env, fs *flag.FlagSet, sf *storeFlags, args []string) error {
	db, _, err := sf.parseAndOpen(ctx, e, fs, args)
	if err != nil {
		return err
	}
	defer db.Close()
	tokens, err := db.ListTokens(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSCOPES\tRATE/S\tCREATED\tREVOKED")
	for _, t := range tokens {
		revoked := "-"
		if t.RevokedAt != nil {
			revoked = t.RevokedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%g\t%s\t%s\n", t.Name, strings.Join(t.Scopes, ","), t.Rate, t.CreatedAt.Format(time.RFC3339), revoked)
	}
	return tw.Flush()
}

func tokenRevoke(ctx context.Context, e env, fs *flag.FlagSet, sf *storeFlags, args []string) error {
	name := fs.String("name", "", "name of the token to revoke (required)")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	if *name == "" {
		return errors.New("--name is required")
	}
	db, _, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	err = audit.Within(ctx, cliEntry("token.revoke", "token", *name, nil), func(ctx context.Context) error {
		return db.RevokeToken(ctx, *name, time.Now().UTC())
	})
	if errors.Is(err, apitoken.ErrNotFound) {
		return fmt.Errorf("no token named %q", *name)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "token %s revoked\n", *name)
	return nil
}
