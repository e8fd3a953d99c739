package bank

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/contenthash"
	"github.com/vigie-platform/vigie/pdq"
	"github.com/vigie-platform/vigie/problem"
	"github.com/vigie-platform/vigie/report"
)

// Reports is what classification reads of reports.
type Reports interface {
	ReportByID(ctx context.Context, id string) (report.Report, error)
	GetBlob(ctx context.Context, sha256Hex string) ([]byte, error)
}

// Service makes the changes to banks, each recorded in the audit trail in
// the transaction that makes it.
type Service struct {
	store   Store
	reports Reports
	now     func() time.Time
	// LinkCap is the linker's cap of reports per value (0: 1000).
	LinkCap int
}

// NewService wires the banks' service; reports may be nil where nothing
// is classified (the CLI).
func NewService(store Store, reports Reports, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, reports: reports, now: now}
}

// Banks lists the banks with their live entry counts.
func (s *Service) Banks(ctx context.Context) ([]Bank, error) { return s.store.Banks(ctx) }

// Import adds a file's entries to a bank, made if needed.
func (s *Service) Import(ctx context.Context, actor string, imp Import) (Bank, int, error) {
	if err := CheckName(imp.Name); err != nil {
		return Bank{}, 0, err
	}
	if err := checkText(imp.Source); err != nil {
		return Bank{}, 0, err
	}
	if len(imp.Entries) > MaxImportEntries {
		return Bank{}, 0, problem.New("bank.too_many", MaxImportEntries)
	}
	imp.Entries = dedupe(imp.Entries)
	at := s.now().UTC().Truncate(time.Microsecond)
	var b Bank
	var n int
	err := audit.WithinOutcome(ctx, func(o audit.Outcome) audit.Entry {
		return audit.Entry{At: at, Actor: actor, Action: "bank.import", ObjectType: "bank", ObjectID: imp.Name,
			Detail: fmt.Sprintf("%d entries (source %q, negative %t)", len(imp.Entries), imp.Source, imp.Negative)}
	}, func(ctx context.Context) error {
		var err error
		b, n, err = s.store.ImportBank(ctx, imp, at)
		return err
	})
	return b, n, err
}

// SetEnabled turns a bank on or off.
func (s *Service) SetEnabled(ctx context.Context, actor, name string, enabled bool) error {
	action := "bank.disable"
	if enabled {
		action = "bank.enable"
	}
	return audit.Within(ctx, audit.Entry{At: s.now(), Actor: actor, Action: action, ObjectType: "bank", ObjectID: name},
		func(ctx context.Context) error { return s.store.SetBankEnabled(ctx, name, enabled) })
}

// Withdraw stops entries from matching.
func (s *Service) Withdraw(ctx context.Context, actor, name string, hashes []contenthash.Hash) (int, error) {
	at := s.now().UTC().Truncate(time.Microsecond)
	var n int
	values := make([]string, len(hashes))
	for i, h := range hashes {
		values[i] = h.String()
	}
	err := audit.Within(ctx, audit.Entry{At: at, Actor: actor, Action: "bank.withdraw", ObjectType: "bank", ObjectID: name, Detail: strings.Join(values, " ")},
		func(ctx context.Context) error {
			var err error
			n, err = s.store.WithdrawEntries(ctx, name, hashes, at)
			return err
		})
	return n, err
}

// Export reads a bank and its entries.
func (s *Service) Export(ctx context.Context, name string) (Bank, []Entry, error) {
	b, err := s.store.BankByName(ctx, name)
	if err != nil {
		return Bank{}, nil, err
	}
	entries, err := s.store.BankEntries(ctx, name)
	return b, entries, err
}

// Categories an analyst gives an attachment when classifying it.
var Categories = []string{"fake-id", "scam-screenshot", "forged-document", "illegal-content", "terrorist-content"}

// Classify adds an image attachment's hashes (PDQ and exact) to the local
// bank with a label and category, so that later copies are recognised,
// and indexes the report under them, so that a report matched later is
// linked to it.
func (s *Service) Classify(ctx context.Context, actor, reportID, sha, label, category string) (int, error) {
	label, category = strings.TrimSpace(label), strings.TrimSpace(category)
	if label == "" && category == "" {
		return 0, problem.New("bank.label_needed")
	}
	if err := checkText(label); err != nil {
		return 0, err
	}
	if category != "" && !slices.Contains(Categories, category) {
		return 0, problem.New("bank.bad_label")
	}
	rep, err := s.reports.ReportByID(ctx, reportID)
	if err != nil {
		return 0, err
	}
	i := slices.IndexFunc(rep.Attachments, func(a report.Attachment) bool { return a.SHA256 == sha })
	if i < 0 || !IsImage(rep.Attachments[i]) {
		return 0, problem.New("bank.not_image")
	}
	content, err := s.reports.GetBlob(ctx, sha)
	if err != nil {
		return 0, fmt.Errorf("classify: %w", err)
	}
	hashes, _ := Hashes(content, pdq.Options{}) // exact hashes at least
	at := s.now().UTC().Truncate(time.Microsecond)
	imp := Import{Name: LocalBank, Source: "classification", Entries: make([]Entry, len(hashes)),
		LinkReport: reportID, LinkReportAt: rep.CreatedAt, LinkCap: s.LinkCap}
	if imp.LinkCap <= 0 {
		imp.LinkCap = 1000
	}
	for i, h := range hashes {
		imp.Entries[i] = Entry{Hash: h, Label: label, Category: category, AddedAt: at}
	}
	var n int
	err = audit.Within(ctx, audit.Entry{At: at, Actor: actor, Action: "bank.classify", ObjectType: "attachment", ObjectID: reportID + "/" + sha,
		Detail: fmt.Sprintf("%s [%s]", label, category)}, func(ctx context.Context) error {
		var err error
		_, n, err = s.store.ImportBank(ctx, imp, at)
		return err
	})
	return n, err
}
