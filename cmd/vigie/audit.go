package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os/user"
	"time"

	"github.com/vigie-platform/vigie/audit"
)

func runAudit(ctx context.Context, e env, args []string) error {
	if done, err := subcommandHelp(e, "audit", args, "Usage: vigie audit verify [flags]\n\n  verify  check the hash chain of the whole audit trail; exits non-zero,\n          naming the first bad entry, if any entry was altered, removed or reordered"); done {
		return err
	}
	if args[0] != "verify" {
		return fmt.Errorf("audit: unknown subcommand %q (verify)", args[0])
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	if err := parseFlags(fs, e, args[1:]); err != nil {
		return err
	}
	db, _, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := audit.Verify(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "audit trail intact: %d entries, head %s\n", res.Entries, hex.EncodeToString(res.Head))
	return nil
}

// auditCLI records an administrative act done from the command line.
func auditCLI(ctx context.Context, db store, action, objectType, objectID string, detail map[string]any) error {
	actor := "cli"
	if u, err := user.Current(); err == nil {
		actor = "cli:" + u.Username
	}
	d, _ := json.Marshal(detail)
	_, err := db.AppendAudit(ctx, audit.Entry{At: time.Now(), Actor: actor, Action: action,
		ObjectType: objectType, ObjectID: objectID, Source: "cli", Detail: string(d)})
	return err
}
