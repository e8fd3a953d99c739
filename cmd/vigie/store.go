package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/keyring"
	"github.com/vigie-platform/vigie/postgres"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/sqlite"
	"github.com/vigie-platform/vigie/storage"
	"github.com/vigie-platform/vigie/taxonomy"
)

// store is everything the commands need of a database.
type store = storage.Store

var (
	_ store = (*sqlite.DB)(nil)
	_ store = (*postgres.DB)(nil)
)

// newIntake builds the intake service on db, with the installation's
// follow-up key. now is nil for the real clock.
func newIntake(ctx context.Context, db store, tax *taxonomy.Taxonomy, now func() time.Time) (*report.Intake, error) {
	key, err := db.Key(ctx, "follow-up")
	if err != nil {
		return nil, err
	}
	return report.NewIntake(db, db, tax, key, now), nil
}

// storeFlags are the flags that choose the database, shared by commands.
type storeFlags struct {
	data string
	db   string
	// The master key (encryption at rest): a file, or the key itself in
	// base64 (meant for VIGIE_MASTER_KEY: a command line is visible to
	// the machine's other users).
	masterKeyFile string
	masterKey     string
	// generatedKey is the key file open made on a first start, to be
	// announced loudly (see keyNotice).
	generatedKey string
	// next, during `vigie keys rotate`, is the new master key: open gives
	// it to the store first (it wraps any key made meanwhile), and the
	// current one after.
	next keyring.Wrapper
}

// defaultKeyFile is where the embedded store's master key is made on a
// first start when none is given.
const defaultKeyFile = "master.key"

// storeFlagSet starts a command's flag set with the store flags on it.
func storeFlagSet(name string) (*flag.FlagSet, *storeFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	sf := new(storeFlags)
	sf.register(fs)
	return fs, sf
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.data, "data", "./vigie-data", "data folder for the embedded SQLite store")
	fs.StringVar(&f.db, "db", "", "PostgreSQL URL (postgres://…); when set, used instead of SQLite")
	fs.StringVar(&f.masterKeyFile, "master-key-file", "", "file holding the master key that encrypts the store at rest (32 bytes in base64; mode 0600). Default with SQLite: DATA/"+defaultKeyFile+", made on the first start; PostgreSQL needs one")
	fs.StringVar(&f.masterKey, "master-key", "", "the master key itself, in base64 (prefer the environment variable or a file: a command line is visible to other users)")
}

// master resolves the master key: --master-key (VIGIE_MASTER_KEY), else
// --master-key-file (VIGIE_MASTER_KEY_FILE), else, for the embedded store
// only, DATA/master.key, made on the first start so that a newcomer's
// `vigie serve` needs no setup. A PostgreSQL store is shared by instances
// that must share the key: it is never made on one machine's disk.
func (f *storeFlags) master() (keyring.Wrapper, error) {
	switch {
	case f.masterKey != "":
		k, err := keyring.ParseLocalKey(f.masterKey)
		if err != nil {
			return nil, fmt.Errorf("--master-key (VIGIE_MASTER_KEY): %w", err)
		}
		return k, nil
	case f.masterKeyFile != "":
		return keyring.LoadKeyFile(f.masterKeyFile)
	case f.db != "":
		return nil, errors.New("a PostgreSQL store needs a master key: --master-key-file FILE (VIGIE_MASTER_KEY_FILE) or VIGIE_MASTER_KEY; make one with `vigie keys generate --out FILE`")
	}
	path := filepath.Join(f.data, defaultKeyFile)
	k, created, err := keyring.LoadOrGenerateKeyFile(path)
	if created {
		f.generatedKey = path
	}
	return k, err
}

// masters are the master keys open gives the store: the current one, or
// during a rotation the new one then the current one.
func (f *storeFlags) masters() ([]keyring.Wrapper, error) {
	current, err := f.master()
	if err != nil {
		return nil, err
	}
	if f.next != nil {
		return []keyring.Wrapper{f.next, current}, nil
	}
	return []keyring.Wrapper{current}, nil
}

// usesDefaultKey tells whether the master key is the embedded store's
// DATA/master.key.
func (f *storeFlags) usesDefaultKey() bool {
	return f.db == "" && f.masterKey == "" && f.masterKeyFile == ""
}

// keyNotice says, once, that open made a master key beside the database;
// "" when it did not.
func (f *storeFlags) keyNotice() string {
	if f.generatedKey == "" {
		return ""
	}
	return "made a new master key in " + f.generatedKey + ": it decrypts reporters' identities, TOTP seeds, server keys and attachments. " +
		"Beside the database it protects nothing against a copy of the data folder: in production keep it elsewhere (--master-key-file, VIGIE_MASTER_KEY), " +
		"back it up apart from the database, and never lose it (without it the encrypted data is gone)"
}

// open opens the chosen store and applies pending migrations.
func (f *storeFlags) open(ctx context.Context) (store, string, error) {
	if f.db != "" {
		if !strings.HasPrefix(f.db, "postgres://") && !strings.HasPrefix(f.db, "postgresql://") {
			return nil, "", fmt.Errorf("--db must be a postgres:// URL")
		}
		masters, err := f.masters()
		if err != nil {
			return nil, "", err
		}
		db, err := postgres.Open(ctx, f.db, masters...)
		return db, "postgres", err
	}
	masters, err := f.masters()
	if err != nil {
		return nil, "", err
	}
	db, err := sqlite.Open(ctx, f.data, masters...)
	return db, "sqlite", err
}

// parseAndOpen parses args and opens the store, for the commands that
// check nothing before; the caller closes the store.
func (f *storeFlags) parseAndOpen(ctx context.Context, e env, fs *flag.FlagSet, args []string) (store, string, error) {
	if err := parseFlags(fs, e, args); err != nil {
		return nil, "", err
	}
	db, kind, err := f.open(ctx)
	if n := f.keyNotice(); n != "" {
		fmt.Fprintln(e.stderr, "WARNING: "+n)
	}
	return db, kind, err
}

// openScratch parses a benchmark's args and opens its store: a temporary
// SQLite folder when they name none (benchmarks blank the data folder's
// default). The caller closes the store, then calls remove.
func (f *storeFlags) openScratch(ctx context.Context, e env, fs *flag.FlagSet, args []string, prefix string) (db store, kind string, remove func(), err error) {
	if err := parseFlags(fs, e, args); err != nil {
		return nil, "", nil, err
	}
	remove = func() {}
	if f.db == "" && f.data == "" {
		dir, err := os.MkdirTemp("", prefix)
		if err != nil {
			return nil, "", nil, err
		}
		f.data = dir
		remove = func() { os.RemoveAll(dir) }
	}
	if db, kind, err = f.open(ctx); err != nil {
		remove()
		return nil, "", nil, err
	}
	return db, kind, remove, nil
}

// args are the flags that name the same store to another command.
func (f *storeFlags) args() []string {
	var key []string
	if f.masterKeyFile != "" {
		key = []string{"--master-key-file", f.masterKeyFile}
	}
	if f.db != "" {
		return append([]string{"--db", f.db}, key...)
	}
	return append([]string{"--data", f.data}, key...)
}
