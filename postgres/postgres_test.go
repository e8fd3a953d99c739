package postgres

import (
	"context"
	"sync"
	"testing"

	"github.com/vigie-platform/vigie/postgres/pgtest"
	"github.com/vigie-platform/vigie/storetest"
)

// open is the conformance suite's opener: a store on a database of its
// own, and raw SQL on its pool.
func open(t *testing.T) (storetest.Store, func(string) error) {
	db, err := Open(context.Background(), pgtest.URL(t), testMasterKey(t))
	if err != nil {
		t.Fatal(err)
	}
	return db, func(q string) error {
		_, err := db.db.Exec(q)
		return err
	}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, open)
}

// Several instances starting together must apply each migration once.
func TestConcurrentMigrations(t *testing.T) {
	url := pgtest.URL(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := Open(context.Background(), url)
			if err == nil {
				db.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestAuditTamper(t *testing.T) {
	storetest.Tamper(t, open, `DROP TRIGGER audit_log_no_change ON audit_log`)
}

func TestCaseNumberMigration(t *testing.T) {
	s, exec := open(t)
	file, err := migrations.ReadFile("migrations/0019_case_numbers.sql")
	if err != nil {
		t.Fatal(err)
	}
	storetest.CaseNumberBackfill(t, s, exec, string(file))
}

func TestAuditTreeTamper(t *testing.T) {
	storetest.TamperTree(t, open, `DROP TRIGGER audit_log_no_change ON audit_log; DROP TRIGGER audit_tree_no_change ON audit_tree`, storetest.PostgresBlob)
}

func TestAuditTreeUpgrade(t *testing.T) {
	storetest.AuditTreeUpgrade(t, open, storetest.PostgresBlob)
}

// Two pools on one database stand for two instances: a bank change made
// through one matches through the other within 10 s.
func TestBankInstances(t *testing.T) {
	url := pgtest.URL(t)
	key := testMasterKey(t)
	a, err := Open(context.Background(), url, key)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(context.Background(), url, key)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	storetest.RunBankInstances(t, a, b)
}
