package audit

import (
	"bytes"
	"encoding/hex"
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

// The chain hash of existing trails must not change with the code: these
// values were computed by the implementation before the tree (commit
// dfb1a27), so that every trail written since still verifies.
func TestHashKnownAnswer(t *testing.T) {
	e := Seal(Entry{At: time.UnixMicro(1764659000123456), Actor: "ana@vigie.test", Action: "report.view", ObjectType: "report", ObjectID: "r1", Source: "203.0.113.7", Detail: `{"q":"é"}`}, nil)
	f := Seal(Entry{At: time.UnixMicro(1764659000999999), Actor: "cli:root", Action: "token.create", ObjectType: "token", ObjectID: "t", Source: "cli"}, &e)
	for _, tc := range []struct {
		got  []byte
		want string
	}{
		{e.Hash, "e784b9f8e420f3def235bd33e516c533fa571cca8e117446b51c0c9f9bbde249"},
		{f.Hash, "1a25a313c1a57185a8602a54aa781555c3e4d820d6f511ede09477414e677152"},
	} {
		if hex.EncodeToString(tc.got) != tc.want {
			t.Errorf("hash = %x, want %s", tc.got, tc.want)
		}
	}
}
