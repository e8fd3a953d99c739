package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/vigie-platform/vigie/keyring"
)

// keyStore is what `vigie keys` needs of a store beyond the contract: both
// adapters have it through the shared store.
type keyStore interface {
	MasterKeyIDs(ctx context.Context) (map[string]int64, error)
	Rewrap(ctx context.Context, next keyring.Wrapper, progress func(done, total int64)) (int64, error)
}

const keysUsage = `Usage: vigie keys generate|status|rotate [flags]

Encryption at rest: reporters' names, e-mails and phones, attachments, TOTP
seeds and server keys are sealed with data keys, which a master key wraps.
The master key is never stored in the database: it comes from
--master-key-file (VIGIE_MASTER_KEY_FILE) or VIGIE_MASTER_KEY; the embedded
store makes DATA/master.key on its first start when neither is given.

  generate  write a new random master key to a file (--out FILE, mode 0600)
  status    list the master keys that wrap the store's data keys
  rotate    re-wrap every data key under a new master key (--new-key-file FILE,
            made when missing). Stop the servers first. A rotation that stops
            half-way is finished by running it again with the same flags;
            meanwhile the store needs both keys. Afterwards only the new key
            opens the store: destroy the old one once no backup needs it`

func runKeys(ctx context.Context, e env, args []string) error {
	return runSubcommand(ctx, e, "keys", keysUsage, "generate, status, rotate",
		map[string]storeSubcommand{"generate": keysGenerate, "status": keysStatus, "rotate": keysRotate}, args)
}

func keysGenerate(_ context.Context, e env, fs *flag.FlagSet, _ *storeFlags, args []string) error {
	out := fs.String("out", "", "file to write the new master key to (required; must not exist)")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("keys generate: --out FILE is required")
	}
	k, err := keyring.GenerateKeyFile(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "master key %s written to %s\n", k.KeyID(), *out)
	return nil
}

func keysStatus(ctx context.Context, e env, fs *flag.FlagSet, sf *storeFlags, args []string) error {
	db, _, err := sf.parseAndOpen(ctx, e, fs, args)
	if err != nil {
		return err
	}
	defer db.Close()
	ks, ok := db.(keyStore)
	if !ok {
		return errors.New("keys: this store does not keep data keys")
	}
	ids, err := ks.MasterKeyIDs(ctx)
	if err != nil {
		return err
	}
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		fmt.Fprintf(e.stdout, "master key %s wraps %d data keys\n", id, ids[id])
	}
	if len(ids) == 0 {
		fmt.Fprintln(e.stdout, "no data keys yet")
	}
	return nil
}

func keysRotate(ctx context.Context, e env, fs *flag.FlagSet, sf *storeFlags, args []string) error {
	newFile := fs.String("new-key-file", "", "file of the new master key (required): made when missing, read when it exists (to finish an interrupted rotation)")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	if *newFile == "" {
		return errors.New("keys rotate: --new-key-file FILE is required")
	}
	next, created, err := keyring.LoadOrGenerateKeyFile(*newFile)
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(e.stderr, "new master key %s written to %s\n", next.KeyID(), *newFile)
	}
	sf.next = next
	db, _, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	ks, ok := db.(keyStore)
	if !ok {
		return errors.New("keys: this store does not keep data keys")
	}
	var shown *progress
	done, err := ks.Rewrap(ctx, next, func(done, total int64) {
		if shown == nil {
			shown = newProgress(e.stderr, "keys rotate", "data keys re-wrapped", int(total))
		}
		shown.Update(int(done))
	})
	if shown != nil {
		shown.Done()
	}
	if err != nil {
		return fmt.Errorf("keys rotate (run it again to finish; until then the store needs both keys): %w", err)
	}
	// An administrative act: recorded once the rotation is complete (its
	// steps commit one by one, so there is no one transaction to record it
	// in).
	if err := auditCLI(ctx, db, "keys.rotate", "master_key", next.KeyID(), map[string]any{"rewrapped": done}); err != nil {
		return fmt.Errorf("keys rotate: the data keys are re-wrapped, but the audit entry was not written: %w", err)
	}
	fmt.Fprintf(e.stdout, "%d data keys re-wrapped; every data key is now wrapped by master key %s\n", done, next.KeyID())
	if sf.usesDefaultKey() {
		// The embedded default reads DATA/master.key: the new key takes
		// its place, so that the next `vigie serve` opens the store.
		path := filepath.Join(sf.data, defaultKeyFile)
		if err := replaceKeyFile(*newFile, path); err != nil {
			return fmt.Errorf("keys rotate: the data keys are re-wrapped, but %s still holds the old key: copy %s over it: %w", path, *newFile, err)
		}
		fmt.Fprintf(e.stdout, "%s now holds the new master key; the old one is gone from there\n", path)
	} else {
		fmt.Fprintf(e.stdout, "start the servers with the new key (--master-key-file %s)\n", *newFile)
	}
	fmt.Fprintln(e.stdout, "the old master key opens nothing in the store any more; destroy it once no backup you keep needs it (a backup taken before the rotation needs the old key)")
	return nil
}

// replaceKeyFile copies the key file from over to, atomically (temp file,
// fsync, rename), mode 0600.
func replaceKeyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(to), ".master-key-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	_, werr := f.Write(b)
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		return err
	}
	return os.Rename(f.Name(), to)
}
