package report

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/vigie-platform/vigie/taxonomy"
)

// Intake is the one place where reports are checked and written, whatever
// channel they come through.
type Intake struct {
	store    Store
	blobs    BlobStore
	taxonomy *taxonomy.Taxonomy
	// secretKey derives each report's follow-up secret from its id, so that
	// an idempotent retry can hand back the same secret although only its
	// hash is stored.
	secretKey []byte
	now       func() time.Time
	// stored is called after reports are durably stored (to wake the linker).
	stored func()
}

// OnStored registers fn to run after each durable write; set it before use.
func (in *Intake) OnStored(fn func()) { in.stored = fn }

// NewIntake wires the intake service.
func NewIntake(store Store, blobs BlobStore, tax *taxonomy.Taxonomy, secretKey []byte, now func() time.Time) *Intake {
	if now == nil {
		now = time.Now
	}
	return &Intake{store: store, blobs: blobs, taxonomy: tax, secretKey: secretKey, now: now}
}

// Taxonomy returns the categories the intake accepts.
func (in *Intake) Taxonomy() *taxonomy.Taxonomy { return in.taxonomy }

// Acknowledgement is what the sender gets back once a report is durable.
type Acknowledgement struct {
	ID             string `json:"id"`
	Receipt        string `json:"receipt"`
	FollowUpSecret string `json:"follow_up_secret"`
	Status         Status `json:"status"`
	Replayed       bool   `json:"-"`
}

// Outcome is one report's answer in a batch: an acknowledgement or an error.
type Outcome struct {
	Ack Acknowledgement
	Err error
}

func (in *Intake) followUpSecret(id string) string {
	m := hmac.New(sha256.New, in.secretKey)
	m.Write([]byte("follow-up:" + id))
	sum := m.Sum(nil)
	out := make([]byte, 24)
	// 24 base32 digits from the first 15 bytes, 5 bits at a time.
	var acc uint64
	bits := 0
	j := 0
	for _, b := range sum[:FollowUpSecretBytes] {
		acc = acc<<8 | uint64(b)
		bits += 8
		for bits >= 5 && j < len(out) {
			bits -= 5
			out[j] = crockford[(acc>>uint(bits))&31]
			j++
		}
	}
	s := string(out)
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:24]
}

// prepare validates a submission and turns it into a report ready to store,
// with its attachments' contents aside.
func (in *Intake) prepare(sub Submission) (*Report, error) {
	now := in.now()
	r, invalid := validate(sub, in.taxonomy, now)
	if invalid != nil {
		return nil, invalid
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, fmt.Errorf("report id: %w", err)
	}
	r.ID = id.String()
	r.Receipt = NewReceipt()
	r.FollowUpSecretHash = HashSecret(in.followUpSecret(r.ID))
	r.CreatedAt = now.UTC().Truncate(time.Microsecond)
	r.DueAt = r.CreatedAt.Add(in.taxonomy.Target(r.Category, r.Urgent))
	for _, a := range sub.Attachments {
		sum := sha256.Sum256(a.Content)
		r.Attachments = append(r.Attachments, Attachment{
			SHA256:      hex.EncodeToString(sum[:]),
			Size:        int64(len(a.Content)),
			Filename:    cleanFilename(a.Filename),
			ContentType: http.DetectContentType(a.Content),
		})
	}
	if r.IdempotencyKey != "" {
		r.RequestHash = fingerprint(sub)
	}
	return r, nil
}

// cleanFilename keeps the last path element of what the sender called the
// file: a name like ../../etc/passwd is shown as passwd, and the name is
// never used to build a path anyway (contents live under their hash).
func cleanFilename(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	base := path.Base("/" + name)
	if base == "/" || base == "." || base == ".." {
		return ""
	}
	return base
}

// fingerprint digests everything that makes a request what it is, so that
// the same idempotency key with another body can be told apart.
func fingerprint(sub Submission) []byte {
	h := sha256.New()
	attachments := make([]string, len(sub.Attachments))
	for i, a := range sub.Attachments {
		sum := sha256.Sum256(a.Content)
		attachments[i] = a.Filename + ":" + hex.EncodeToString(sum[:])
	}
	sub.Attachments = nil
	b, _ := json.Marshal(struct {
		Sub         Submission
		Attachments []string
	}{sub, attachments})
	h.Write(b)
	return h.Sum(nil)
}

// Submit checks and durably stores one report.
func (in *Intake) Submit(ctx context.Context, sub Submission) (Acknowledgement, error) {
	out, err := in.SubmitBatch(ctx, []Submission{sub})
	if err != nil {
		return Acknowledgement{}, err
	}
	return out[0].Ack, out[0].Err
}

// SubmitBatch checks every submission and stores the valid ones. The error
// is for the store as a whole; per-report problems are in the outcomes.
func (in *Intake) SubmitBatch(ctx context.Context, subs []Submission) ([]Outcome, error) {
	outcomes := make([]Outcome, len(subs))
	var toStore []*Report
	var positions []int
	for i, sub := range subs {
		r, err := in.prepare(sub)
		if err != nil {
			outcomes[i].Err = err
			continue
		}
		toStore = append(toStore, r)
		positions = append(positions, i)
	}
	if len(toStore) == 0 {
		return outcomes, nil
	}
	// Contents first: a report must never point at a blob that is not there.
	// Blobs are content-addressed, so one left behind by a failed commit is
	// harmless and reused by the next identical upload.
	for pi, r := range toStore {
		for ai, a := range r.Attachments {
			if err := in.blobs.PutBlob(ctx, a.SHA256, subs[positions[pi]].Attachments[ai].Content); err != nil {
				return nil, fmt.Errorf("store attachment: %w", err)
			}
		}
	}
	results, errs, err := in.store.Create(ctx, toStore)
	if err != nil {
		return nil, fmt.Errorf("store reports: %w", err)
	}
	if in.stored != nil {
		in.stored()
	}
	for k, i := range positions {
		if errs[k] != nil {
			outcomes[i].Err = errs[k]
			continue
		}
		stored := results[k].Report
		outcomes[i].Ack = Acknowledgement{
			ID:             stored.ID,
			Receipt:        stored.Receipt,
			FollowUpSecret: in.followUpSecret(stored.ID),
			Status:         stored.Status,
			Replayed:       results[k].Replayed,
		}
	}
	return outcomes, nil
}

// FollowUp tells a reporter where their report stands. A wrong receipt and
// a wrong secret give the same ErrNotFound, so neither can be probed alone.
func (in *Intake) FollowUp(ctx context.Context, receipt, secret string) (Status, error) {
	r, err := in.Lookup(ctx, receipt, secret)
	if err != nil {
		return "", err
	}
	return r.Status, nil
}

// Lookup reads the report that receipt and secret name together, for its
// reporter's eyes (the follow-up page, the receipt to keep): the same
// ErrNotFound and the same work whether the receipt or the secret is wrong.
func (in *Intake) Lookup(ctx context.Context, receipt, secret string) (Report, error) {
	rc := NormaliseReceipt(receipt)
	if rc == "" || secret == "" {
		return Report{}, ErrNotFound
	}
	r, err := in.store.ReportByReceipt(ctx, rc)
	if errors.Is(err, ErrNotFound) {
		SecretMatches(secret, make([]byte, sha256.Size)) // same work either way
		return Report{}, ErrNotFound
	}
	if err != nil {
		return Report{}, fmt.Errorf("follow-up: %w", err)
	}
	if !SecretMatches(secret, r.FollowUpSecretHash) {
		return Report{}, ErrNotFound
	}
	return r, nil
}
