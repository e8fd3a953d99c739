package storage

import "errors"

// ErrUnavailable means the database could not be reached or could not take
// the work right now (connection refused, server shutting down, lock
// timeout): nothing was changed, and the same call may succeed later.
// Adapters wrap their driver's errors of that kind with it, so that the
// HTTP side answers 503 by errors.Is rather than by reading messages.
var ErrUnavailable = errors.New("store unavailable")
