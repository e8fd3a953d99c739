package sqlite

import (
	"testing"
	"time"

	"github.com/vigie-platform/vigie/keyring"
	"github.com/vigie-platform/vigie/keyring/keyringtest"
)

func mustDay(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func testMasterKey(t testing.TB) keyring.Wrapper { return keyringtest.Key(t) }
