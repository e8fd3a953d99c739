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

// BenchmarkIntake: intake of reports with contact fields, with and
// without encryption at rest (BENCHMARKS.md, "Encryption at rest"):
//
//	go test ./sqlite -run '^$' -bench Intake -benchtime 20000x -count 3
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
				db, err := Open(context.Background(), b.TempDir(), masters...)
				if err != nil {
					b.Fatal(err)
				}
				defer db.Close()
				storetest.BenchIntake(b, db, attach)
			})
		}
	}
}
