package postgres

import (
	"context"
	"testing"

	"github.com/vigie-platform/vigie/keyring"
	"github.com/vigie-platform/vigie/postgres/pgtest"
	"github.com/vigie-platform/vigie/storetest"
)

func TestEncryption(t *testing.T) {
	storetest.RunEncryption(t, func(t *testing.T) storetest.KeyedOpener {
		url := pgtest.URL(t)
		return func(masters ...keyring.Wrapper) (storetest.Store, func(string) error, error) {
			db, err := Open(context.Background(), url, masters...)
			if err != nil {
				return nil, nil, err
			}
			t.Cleanup(func() { db.Close() })
			return db, func(q string) error {
				_, err := db.db.Exec(q)
				return err
			}, nil
		}
	})
}
