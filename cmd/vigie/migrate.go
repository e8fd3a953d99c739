package main

import (
	"context"
	"flag"
	"fmt"
)

func runMigrate(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	db, kind, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	fmt.Fprintf(e.stdout, "%s schema at version %d\n", kind, v)
	return nil
}
