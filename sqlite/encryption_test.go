package sqlite

import (
	"context"
	"testing"

	"github.com/vigie-platform/vigie/keyring"
	"github.com/vigie-platform/vigie/storetest"
)

// keyedOpener opens the SQLite folder dir with the given master keys.
func keyedOpener(t *testing.T, dir string) storetest.KeyedOpener {
	return func(masters ...keyring.Wrapper) (storetest.Store, func(string) error, error) {
		db, err := Open(context.Background(), dir, masters...)
		if err != nil {
			return nil, nil, err
		}
		t.Cleanup(func() { db.Close() })
		return db, func(q string) error {
			_, err := db.write.Exec(q)
			return err
		}, nil
	}
}

func TestEncryption(t *testing.T) {
	storetest.RunEncryption(t, func(t *testing.T) storetest.KeyedOpener { return keyedOpener(t, t.TempDir()) })
}
