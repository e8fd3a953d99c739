// Package bank holds the hash lists ("banks") of known content and the
// matching of reports' media against them (issue 14, parts 4-7).
//
// A bank is named, has a source (who gave it: NCMEC, a partner hotline,
// this platform's own classifications) and holds entries: a hash (md5,
// sha1, sha256 or pdq), a label or category, the date it was added and,
// once withdrawn, the date it stopped matching. A negative bank lists
// known false positives: a media hash that also falls within a negative
// entry matches nothing.
//
// Every instance keeps the entries in memory (Matcher: one Hamming index
// for PDQ, a map for exact hashes) and follows the store's change
// sequence every few seconds, so a change made on one instance matches on
// all within seconds. Reports are matched after their acknowledgement
// (Worker), from a queue written in the report's own transaction, so that
// intake does not wait for image decoding and nothing acknowledged is
// left unmatched.
package bank

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigie-platform/vigie/contenthash"
	"github.com/vigie-platform/vigie/problem"
	"github.com/vigie-platform/vigie/report"
)

// Bank is one hash list.
type Bank struct {
	ID        int64
	Name      string
	Source    string
	Negative  bool // known false positives: suppresses matches
	Enabled   bool
	CreatedAt time.Time
	// Entries counts the live (not withdrawn) entries, when listed.
	Entries int64
}

// Entry is one hash of a bank.
type Entry struct {
	ID       int64
	BankID   int64
	Hash     contenthash.Hash
	Label    string
	Category string
	AddedAt  time.Time
	// WithdrawnAt is when the entry stopped matching; zero while it matches.
	WithdrawnAt time.Time
}

// Live reports whether the entry still matches.
func (e Entry) Live() bool { return e.WithdrawnAt.IsZero() }

// Classified reports whether media matching the entry are hidden from
// analysts by default: the entry says what they are.
func (e Entry) Classified() bool { return e.Label != "" || e.Category != "" }

// Import is a bank as read from a file, or as given to the store.
type Import struct {
	Name     string
	Source   string
	Negative bool
	Entries  []Entry
	// LinkReport, when set, is indexed under every entry's value in the
	// same transaction (a classified attachment's report), so that the
	// reports matched later are linked to it.
	LinkReport   string
	LinkReportAt time.Time
	LinkCap      int
}

// LocalBank is the bank analysts' classifications of attachments go to.
const LocalBank = "local"

// Limits on what a bank holds.
const (
	MaxName  = 100
	MaxLabel = 200
	// MaxImportEntries bounds one import, so that a file cannot hold the
	// write transaction for long (a bigger list goes in several files).
	MaxImportEntries = 1_000_000
)

// Errors of the store.
var (
	ErrNotFound = errors.New("bank: not found")
)

// CheckName says what is wrong with a bank's name: short, printable, no
// slash (it is used in URLs and file names).
func CheckName(name string) error {
	if name == "" || utf8.RuneCountInString(name) > MaxName || !utf8.ValidString(name) || strings.ContainsAny(name, "/\\") || strings.TrimSpace(name) != name {
		return problem.New("bank.bad_name", name)
	}
	for _, r := range name {
		if r < ' ' || r == 0x7f {
			return problem.New("bank.bad_name", name)
		}
	}
	return nil
}

// checkText bounds a label or category.
func checkText(s string) error {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxLabel {
		return problem.New("bank.bad_label")
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			return problem.New("bank.bad_label")
		}
	}
	return nil
}

// Match is a report's media hash found in a bank.
type Match struct {
	ReportID string
	// Attachment is the matched attachment's SHA-256; "" for a hash the
	// sender gave without the file.
	Attachment string
	EntryID    int64
	BankID     int64
	BankName   string
	Hash       contenthash.Hash // the entry's
	Label      string
	Category   string
	Distance   int
	At         time.Time
	// GatheredInto is the report the flood guard gathered this one into.
	GatheredInto string
}

// Classified reports whether the match hides the media (see Entry.Classified).
func (m Match) Classified() bool { return m.Label != "" || m.Category != "" }

// MediaHash is one hash of a report's media.
type MediaHash struct {
	Attachment string // "" for a hash sent without the file
	Hash       contenthash.Hash
}

// Work is a report waiting to be matched.
type Work struct {
	ReportID    string
	CreatedAt   time.Time
	Category    string
	Attachments []report.Attachment
	Sent        []contenthash.Hash // hashes sent without files
}

// Outcome is what matching one report found, for the store to record.
type Outcome struct {
	ReportID  string
	CreatedAt time.Time
	Hashes    []MediaHash
	Matches   []Match
	At        time.Time
	// FloodLimit: past this many reports matched by one entry in an hour,
	// the others are gathered into the first (0: no gathering).
	FloodLimit int
	// LinkCap is the linker's cap on reports per value.
	LinkCap int
}

// Store keeps banks and the matches.
type Store interface {
	// ImportBank creates the bank if it does not exist (with imp's source
	// and sign) and adds or updates its entries; an entry given again
	// matches again if it was withdrawn. It returns the bank.
	ImportBank(ctx context.Context, imp Import, at time.Time) (Bank, int, error)
	Banks(ctx context.Context) ([]Bank, error)
	BankByName(ctx context.Context, name string) (Bank, error)
	SetBankEnabled(ctx context.Context, name string, enabled bool) error
	// WithdrawEntries stops the bank's entries with these hashes from matching.
	WithdrawEntries(ctx context.Context, name string, hashes []contenthash.Hash, at time.Time) (int, error)
	// BankEntries reads a bank's entries, withdrawn ones too, by id.
	BankEntries(ctx context.Context, name string) ([]Entry, error)
	// BankSeq is the change sequence: it grows with every change.
	BankSeq(ctx context.Context) (int64, error)
	// BankChanges reads every bank, and the entries changed after since
	// (all of them for since 0), with the sequence they were read at.
	BankChanges(ctx context.Context, since int64) (banks []Bank, entries []Entry, seq int64, err error)

	// ClaimMatchWork leases up to limit queued reports until at+lease.
	ClaimMatchWork(ctx context.Context, limit int, at time.Time, lease time.Duration) ([]Work, error)
	// RecordMatches writes a report's hashes and matches, raises or
	// gathers it, links it to the reports that share a matched entry and
	// takes it off the queue, in one transaction. It returns false, and
	// writes nothing, when another matcher did it first.
	RecordMatches(ctx context.Context, o Outcome) (bool, error)
	MatchQueueLen(ctx context.Context) (int64, error)
	ReportMatches(ctx context.Context, reportID string) ([]Match, error)
	ReportHashes(ctx context.Context, reportID string) ([]MediaHash, error)
	// GatheredReports lists the reports gathered into head.
	GatheredReports(ctx context.Context, head string) ([]string, error)
}

// ID36 names the bank in file names: its id, never its (free) name.
func (b Bank) ID36() string { return strconv.FormatInt(b.ID, 36) }
