package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/postgres/pgtest"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/taxonomy"
)

// Linking reads each report's attachments with its claim: their hashes
// link the reports that share a file, whatever else they hold.
func TestLinkAttachmentHashes(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	in := report.NewIntake(db, db, taxonomy.Default(), []byte("0123456789abcdef0123456789abcdef"), nil)
	shared := report.Upload{Filename: "capture.png", Content: []byte("\x89PNG\r\n\x1a\nshared")}
	own := report.Upload{Filename: "other.png", Content: []byte("\x89PNG\r\n\x1a\nown")}
	for _, files := range [][]report.Upload{{shared, own}, {shared}, nil} {
		if _, err := in.Submit(ctx, report.Submission{Category: "fraud.scam", Description: "capture jointe", Anonymous: true,
			Channel: report.ChannelWeb, Attachments: files}); err != nil {
			t.Fatal(err)
		}
	}
	l := correlate.NewLinker(db, correlate.DefaultWarningList(), indicator.DefaultOptions, nil)
	if n, err := l.LinkOnce(ctx, 10); err != nil || n != 3 {
		t.Fatalf("linked %d, %v", n, err)
	}
	for content, want := range map[string]int64{string(shared.Content): 2, string(own.Content): 1} {
		h := sha256.Sum256([]byte(content))
		info, err := db.Indicator(ctx, indicator.SHA256, hex.EncodeToString(h[:]))
		if err != nil || info.Count != want {
			t.Errorf("hash of %q: %+v %v, want %d reports", content, info, err, want)
		}
	}
}
