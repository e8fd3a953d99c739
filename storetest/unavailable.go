package storetest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/vigie-platform/vigie/storage"
	"github.com/vigie-platform/vigie/taxonomy"
)

// answerWithoutDatabase are the methods that may answer a closed store
// without asking the database: blob contents kept in files, and the text
// indexer of an engine that queues nothing. Create is left out too: after
// Close, intake is not to be called at all (its committers are stopped).
var answerWithoutDatabase = []string{"PutBlob", "GetBlob", "DeleteBlob", "IndexPendingText", "Create", "Close"}

// testClosedIsUnavailable: once the store is closed, every method that
// asks the database fails with an error that is storage.ErrUnavailable,
// so that callers answer "try again later" by errors.Is whichever query
// failed. Each method of the contract is called with zero arguments.
func testClosedIsUnavailable(t *testing.T, s Store) {
	id := submit(t, s, "avant la fermeture")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReportByID(ctx, id); !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("read of a closed store: %v, want storage.ErrUnavailable", err)
	}
	contract := reflect.TypeFor[storage.Store]()
	ctxType := reflect.TypeFor[context.Context]()
	store := reflect.ValueOf(s)
	for i := range contract.NumMethod() {
		m := contract.Method(i)
		if slices.Contains(answerWithoutDatabase, m.Name) {
			continue
		}
		args := make([]reflect.Value, m.Type.NumIn())
		for j := range args {
			switch in := m.Type.In(j); {
			case in == ctxType:
				args[j] = reflect.ValueOf(ctx)
			case in == reflect.TypeFor[[]string]() && (m.Name == "SearchReports" || m.Name == "SearchCases" || m.Name == "TriageItems" || m.Name == "ReportsIndicators"):
				args[j] = reflect.ValueOf([]string{"terme"}) // without terms, nothing is asked
			case in == reflect.TypeFor[[]taxonomy.Target]() && m.Name == "Retarget":
				args[j] = reflect.ValueOf([]taxonomy.Target{{Category: "fraud.scam"}}) // without targets, nothing is asked
			case in == reflect.TypeFor[[]int64]() && m.Name == "AuditTreeHashes":
				args[j] = reflect.ValueOf([]int64{0}) // without indexes, nothing is asked
			default:
				args[j] = reflect.Zero(in)
			}
		}
		out := store.MethodByName(m.Name).Call(args)
		err, _ := out[len(out)-1].Interface().(error)
		if !errors.Is(err, storage.ErrUnavailable) {
			t.Errorf("%s on a closed store: %v, want storage.ErrUnavailable", m.Name, err)
		}
	}
}
