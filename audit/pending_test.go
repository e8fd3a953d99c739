package audit

import (
	"context"
	"errors"
	"testing"
)

// commit stands for a store's transaction: it takes the pending entries
// (with the outcome it knows), "commits" them into trail, then marks them
// written.
func commit(ctx context.Context, trail *[]Entry, o Outcome, fail error) error {
	entries, done := PendingOutcome(ctx, o)
	if fail != nil {
		return fail
	}
	*trail = append(*trail, entries...)
	done()
	return nil
}

func TestWithinWritesTheEntryOnceWithTheChange(t *testing.T) {
	ctx := WithSource(context.Background(), "192.0.2.7")
	var trail []Entry
	err := Within(ctx, Entry{Actor: "ana", Action: "case.close", ObjectID: "c1"}, func(ctx context.Context) error {
		if err := commit(ctx, &trail, Outcome{}, nil); err != nil {
			return err
		}
		// A second transaction of the same change does not write it again.
		return commit(ctx, &trail, Outcome{}, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(trail) != 1 || trail[0].Action != "case.close" || trail[0].Source != "192.0.2.7" {
		t.Fatalf("trail = %+v, want one case.close entry from 192.0.2.7", trail)
	}
}

func TestWithinFailsWhenTheChangeFailsOrSkipsTheEntry(t *testing.T) {
	boom := errors.New("insert failed")
	var trail []Entry
	err := Within(context.Background(), Entry{Action: "case.note"}, func(ctx context.Context) error {
		return commit(ctx, &trail, Outcome{}, boom)
	})
	if !errors.Is(err, boom) || len(trail) != 0 {
		t.Fatalf("err %v, trail %d: want the change's error and nothing written", err, len(trail))
	}
	err = Within(context.Background(), Entry{Action: "case.note"}, func(ctx context.Context) error { return nil })
	if !errors.Is(err, ErrNotRecorded) {
		t.Fatalf("a change that did not write the entry: %v, want ErrNotRecorded", err)
	}
}

func TestWithinOutcomeCompletesTheEntry(t *testing.T) {
	var trail []Entry
	err := WithinOutcome(context.Background(), func(o Outcome) Entry {
		return Entry{Action: "report.take", ObjectType: "report", ObjectID: o.ObjectID}
	}, func(ctx context.Context) error {
		return commit(ctx, &trail, Outcome{ObjectID: "r42", Changed: 1}, nil)
	})
	if err != nil || len(trail) != 1 || trail[0].ObjectID != "r42" {
		t.Fatalf("err %v, trail %+v: want the taken report's id", err, trail)
	}
	if entries, _ := Pending(context.Background()); entries != nil {
		t.Fatalf("a context without an audited change has entries: %+v", entries)
	}
}
