package audit

import (
	"bytes"
	"testing"
	"time"
)

func TestHashCoversEveryField(t *testing.T) {
	base := Seal(Entry{At: time.Unix(1700000000, 0), Actor: "a", Action: "b", ObjectType: "c", ObjectID: "d", Source: "e", Detail: "f"}, nil)
	edits := map[string]func(*Entry){
		"seq":    func(e *Entry) { e.Seq++ },
		"at":     func(e *Entry) { e.At = e.At.Add(time.Microsecond) },
		"actor":  func(e *Entry) { e.Actor = "x" },
		"action": func(e *Entry) { e.Action = "x" },
		"type":   func(e *Entry) { e.ObjectType = "x" },
		"id":     func(e *Entry) { e.ObjectID = "x" },
		"source": func(e *Entry) { e.Source = "x" },
		"detail": func(e *Entry) { e.Detail = "x" },
		"prev":   func(e *Entry) { e.PrevHash = bytes.Repeat([]byte{1}, 32) },
		// Moving a boundary between two fields must change the hash too.
		"shift": func(e *Entry) { e.Actor, e.Action = "ab", "" },
	}
	for name, edit := range edits {
		e := base
		edit(&e)
		if bytes.Equal(Hash(e), base.Hash) {
			t.Errorf("changing %s leaves the hash unchanged", name)
		}
	}
	next := Seal(Entry{At: time.Now(), Actor: "a"}, &base)
	if next.Seq != 2 || !bytes.Equal(next.PrevHash, base.Hash) {
		t.Errorf("chaining: %+v", next)
	}
}
