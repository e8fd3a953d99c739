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

// BenchmarkIntake: intake of reports with contact fields, with and
// without encryption at rest (BENCHMARKS.md, "Encryption at rest"):
//
//	VIGIE_TEST_POSTGRES=… go test ./postgres -run '^$' -bench Intake -benchtime 20000x -count 3
func BenchmarkIntake(b *testing.B) {
	for _, attach := range []bool{false, true} {
		for _, encrypted := range []bool{false, true} {
			name := map[bool]string{false: "clear", true: "encrypted"}[encrypted]
			if attach {
				name += "+attachment"
			}
			b.Run(name, func(b *testing.B) {
				var masters []keyring.Wrapper
				if encrypted {
					masters = append(masters, testMasterKey(b))
				}
				db, err := Open(context.Background(), pgtest.URL(b), masters...)
				if err != nil {
					b.Fatal(err)
				}
				defer db.Close()
				storetest.BenchIntake(b, db, attach)
			})
		}
	}
}
