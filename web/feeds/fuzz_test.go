package feeds

import (
	"testing"
	"time"

	"github.com/vigie-platform/vigie/feed"
)

// FuzzAcceptsTAXII: any Accept header is read without a panic, and one
// that also lists TAXII 2.1 is always accepted.
func FuzzAcceptsTAXII(f *testing.F) {
	for _, s := range []string{"", "*/*", "application/json", MediaTAXII, "application/taxii+json;version=2.0", "a/b;q=0,;;", `text/html;x="a,b"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, accept string) {
		acceptsTAXII(accept)
		if !acceptsTAXII(accept + ", " + MediaTAXII) {
			t.Fatalf("%q with TAXII 2.1 listed is refused", accept)
		}
	})
}

// FuzzCursor: a next value is read without a panic; one that reads is
// the cursor of the position it names, and every cursor reads back.
func FuzzCursor(f *testing.F) {
	f.Add("", int64(0), "x")
	f.Add("MTc5NjIwNzU3ODE5ODkzOCBiLTE", int64(1796207578198938), "b-1")
	f.Fuzz(func(t *testing.T, next string, micros int64, id string) {
		if at, got, ok := parseCursor(next); ok && cursor(feed.Entry{ApprovedAt: at, ID: got}) != next {
			t.Fatalf("%q reads as (%v, %q), whose cursor is another", next, at, got)
		}
		if id == "" {
			return
		}
		e := feed.Entry{ApprovedAt: time.UnixMicro(micros).UTC(), ID: id}
		at, got, ok := parseCursor(cursor(e))
		if !ok || !at.Equal(e.ApprovedAt) || got != id {
			t.Fatalf("cursor of (%v, %q) reads back as (%v, %q, %v)", e.ApprovedAt, id, at, got, ok)
		}
	})
}
