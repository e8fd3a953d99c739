package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/audit"
)

func runAudit(ctx context.Context, e env, args []string) error {
	return runSubcommand(ctx, e, "audit", "Usage: vigie audit verify [flags]\n\n  verify  check the hash chain of the whole audit trail; exits non-zero,\n          naming the first bad entry, if any entry was altered, removed or reordered",
		"verify", map[string]storeSubcommand{"verify": auditVerify}, args)
}

func auditVerify(ctx context.Context, e env, fs *flag.FlagSet, sf *storeFlags, args []string) error {
	anchorFile := fs.String("anchor", "", "file of heads written by earlier runs (keep it off the database's machine): each must still be in the trail; the current head is appended")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	anchors, err := readAnchors(*anchorFile)
	if err != nil {
		return err
	}
	db, _, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := audit.Verify(ctx, db, anchors...)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "audit trail intact: %d entries, head %s\n", res.Entries, hex.EncodeToString(res.Head))
	if *anchorFile != "" && res.Entries > 0 {
		f, err := os.OpenFile(*anchorFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("anchor: %w", err)
		}
		defer f.Close()
		if _, err := fmt.Fprintf(f, "%d %s %s\n", res.Entries, hex.EncodeToString(res.Head), time.Now().UTC().Format(time.RFC3339)); err != nil {
			return fmt.Errorf("anchor: %w", err)
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("anchor: %w", err)
		}
		fmt.Fprintf(e.stdout, "%d anchors checked; head appended to %s\n", len(anchors), *anchorFile)
	}
	return nil
}

// readAnchors reads "SEQ HEX [TIME]" lines; a missing file has none.
func readAnchors(path string) ([]audit.Anchor, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("anchor: %w", err)
	}
	var out []audit.Anchor
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		seq, err1 := strconv.ParseInt(f[0], 10, 64)
		var h []byte
		var err2 error
		if len(f) > 1 {
			h, err2 = hex.DecodeString(f[1])
		}
		if len(f) < 2 || err1 != nil || err2 != nil || seq < 1 || len(h) != 32 {
			return nil, fmt.Errorf("anchor %s line %d: want \"SEQ HASH\", got %q", path, i+1, line)
		}
		out = append(out, audit.Anchor{Seq: seq, Hash: h})
	}
	return out, nil
}

// cliActor names who runs a command, in the audit trail.
func cliActor() string {
	if u, err := user.Current(); err == nil {
		return "cli:" + u.Username
	}
	return "cli"
}

// cliEntry is the audit entry of an administrative act done from the
// command line.
func cliEntry(action, objectType, objectID string, detail map[string]any) audit.Entry {
	d, _ := json.Marshal(detail)
	return audit.Entry{At: time.Now(), Actor: cliActor(), Action: action, ObjectType: objectType, ObjectID: objectID, Source: "cli", Detail: string(d)}
}

// auditCLI records a read done from the command line (a change is
// recorded in its own transaction instead, with audit.Within).
func auditCLI(ctx context.Context, db store, action, objectType, objectID string, detail map[string]any) error {
	_, err := db.AppendAudit(ctx, cliEntry(action, objectType, objectID, detail))
	return err
}
