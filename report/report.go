// Package report is the heart of intake: what a report is, how it is
// checked, and the storage contract that every adapter fulfils.
package report

import (
	"context"
	"errors"
	"time"

	"github.com/vigie-platform/vigie/contenthash"
)

// Status is where a report stands, as the reporter may see it.
type Status string

const (
	StatusReceived  Status = "received"
	StatusAnalysing Status = "analysing"
	StatusReferred  Status = "referred"
	StatusClosed    Status = "closed"
)

// Channel says how a report reached the platform.
type Channel string

const (
	ChannelWeb Channel = "web"
	ChannelAPI Channel = "api"
)

// Limits that the intake documents and enforces.
const (
	MaxURLs             = 20
	MaxURLLength        = 2048
	MaxDescription      = 20000 // characters
	MaxShortText        = 200   // characters, for names, places, payment means
	MaxAttachments      = 5
	MaxHashes           = 20 // media hashes sent without the files
	MaxAttachmentBytes  = 10 << 20
	MaxFilenameLength   = 255
	MaxIdempotencyKey   = 200
	MaxAmountLostCents  = 1_000_000_000_000 // ten billion in the currency
	FollowUpSecretBytes = 15                // 120 bits
)

// PaymentMeans lists how a scam victim may have paid.
var PaymentMeans = []string{"card", "transfer", "crypto", "gift-card", "cash", "payment-app", "other"}

// Reporter describes who reported. Anonymous reporters leave every other
// field empty.
type Reporter struct {
	Anonymous bool
	Name      string
	Email     string
	Phone     string
}

// Loss describes what a scam victim lost.
type Loss struct {
	AmountCents int64
	Currency    string // ISO 4217, e.g. EUR
	Means       string // one of PaymentMeans
}

// Attachment is a file given with a report. Its content lives in a
// BlobStore under its SHA-256; the report keeps only this record.
type Attachment struct {
	SHA256      string // lower-case hex
	Size        int64
	Filename    string // as the sender named it, kept as data
	ContentType string // sniffed from the content, never trusted from the sender
}

// Report is one submission, by a person on the portal or a machine on the API.
type Report struct {
	ID                 string
	Receipt            string
	FollowUpSecretHash []byte
	Status             Status
	Channel            Channel
	TokenName          string // for API reports
	Category           string
	Description        string
	URLs               []string
	SeenOn             string // site, app or platform where it was seen
	OccurredAt         *time.Time
	Urgent             bool
	Reporter           Reporter
	IsVictim           bool
	// Notify: the reporter agreed to news by e-mail when the report is
	// analysed, referred or closed (stored as a subscription).
	Notify      bool
	Loss        *Loss
	Attachments []Attachment
	// Hashes are media hashes a platform sent without the files (for
	// child-abuse content it must not send): matched against the banks
	// like the attachments' hashes.
	Hashes    []contenthash.Hash
	Lang      string
	CreatedAt time.Time
	// DueAt is when an analyst should have looked at the report: its
	// category's target time after CreatedAt (shorter when urgent).
	DueAt time.Time
	// IdempotencyKey, scoped to TokenName, makes a retried API call return
	// the report it created the first time.
	IdempotencyKey string
	// RequestHash fingerprints the request that carried IdempotencyKey, so
	// that the same key with a different body is refused, not confused.
	RequestHash []byte
}

// CreateResult is what storing one report gave.
type CreateResult struct {
	Report Report
	// Replayed is true when the idempotency key matched a stored report:
	// Report is then that stored report and nothing was written.
	Replayed bool
}

// Errors the store reports.
var (
	ErrNotFound = errors.New("not found")
	// ErrIdempotencyMismatch means the key was used before with another body.
	ErrIdempotencyMismatch = errors.New("idempotency key already used with a different request")
)

// Store is the durable home of reports. A nil error from Create means every
// report is committed to stable storage.
type Store interface {
	// Create stores reports atomically each (not as a group). Results come
	// in the order of the input. A per-report failure such as an idempotency
	// mismatch is reported in errs[i]; err is for the store as a whole.
	Create(ctx context.Context, reports []*Report) (results []CreateResult, errs []error, err error)
	ReportByID(ctx context.Context, id string) (Report, error)
	ReportByReceipt(ctx context.Context, receipt string) (Report, error)
	CountReports(ctx context.Context) (int64, error)
}

// BlobStore keeps attachment contents by SHA-256. Put is durable when it
// returns: a report may refer to the blob right after.
type BlobStore interface {
	PutBlob(ctx context.Context, sha256Hex string, content []byte) error
	GetBlob(ctx context.Context, sha256Hex string) ([]byte, error)
}
