package main

import (
	"context"
	"fmt"
)

func runMigrate(ctx context.Context, e env, args []string) error {
	fs, sf := storeFlagSet("migrate")
	db, kind, err := sf.parseAndOpen(ctx, e, fs, args)
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
