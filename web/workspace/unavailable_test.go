package workspace

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/storage"
	"github.com/vigie-platform/vigie/triage"
)

// failingQueue is a store whose queue cannot be read.
type failingQueue struct {
	Store
	err error
}

func (s failingQueue) Queue(context.Context, triage.Filter) ([]triage.Item, error) { return nil, s.err }

// TestStoreUnavailable: a store that says it cannot be reached
// (storage.ErrUnavailable, whatever the driver's words) is a 503 with
// Retry-After; any other failure is a 500.
func TestStoreUnavailable(t *testing.T) {
	e := newWSEnv(t)
	u, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	c := e.session(u)
	for _, tc := range []struct {
		err   error
		code  int
		retry string
	}{
		{fmt.Errorf("queue: %w", storage.ErrUnavailable), 503, "5"},
		{errors.New("queue: connection refused"), 500, ""},
	} {
		e.s.Workspace = failingQueue{e.DB, tc.err}
		w := e.Do("GET", "/w/queue", c, nil)
		if w.Code != tc.code || w.Header().Get("Retry-After") != tc.retry {
			t.Errorf("%v: %d, Retry-After %q; want %d, %q", tc.err, w.Code, w.Header().Get("Retry-After"), tc.code, tc.retry)
		}
	}
}
