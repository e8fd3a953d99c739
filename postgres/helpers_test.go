package postgres

import (
	"testing"

	"github.com/vigie-platform/vigie/keyring"
	"github.com/vigie-platform/vigie/keyring/keyringtest"
)

func testMasterKey(t testing.TB) keyring.Wrapper { return keyringtest.Key(t) }
