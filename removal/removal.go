// Package removal is the notices sent to hosting providers to take
// content down: each names the URL, the legal basis and the deadline, and
// records whether the content was removed, so that time to removal can be
// measured. An optional check fetches the URL through the SSRF-guarded
// client, never for categories the server must not download (minors.*).
package removal

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/blocking"
	"github.com/vigie-platform/vigie/problem"
	"github.com/vigie-platform/vigie/safehttp"
)

// Kind is a type of notice with its legal basis and default deadline.
type Kind struct {
	Code       string
	LegalBasis string
	Deadline   time.Duration
}

// Kinds are the notices the platform sends. The deadlines are the law's;
// NoticeDeadline (a plain notice) is configurable.
var Kinds = []Kind{
	{Code: "removal-order", LegalBasis: "Regulation (EU) 2021/784, art. 3 (terrorist content online): removal within one hour", Deadline: time.Hour},
	{Code: "administrative", LegalBasis: "Loi n° 2004-575 (LCEN), art. 6-1: administrative removal request", Deadline: 24 * time.Hour},
	{Code: "notice", LegalBasis: "Loi n° 2004-575 (LCEN), art. 6: notice to the host of manifestly illicit content", Deadline: 72 * time.Hour},
}

// Statuses of a notice.
const (
	StatusSent        = "sent"
	StatusRemoved     = "removed"
	StatusStillOnline = "still-online"
	// StatusEscalated: the deadline passed with the content online; a
	// blocking and delisting request was made (package blocking).
	StatusEscalated = "escalated"
)

// Notice is one request to a host.
type Notice struct {
	ID          string
	CaseID      string
	URL         string
	Host        string
	Kind        string
	LegalBasis  string
	SentAt      time.Time
	DueAt       time.Time
	Status      string
	RemovedAt   time.Time
	CheckedAt   time.Time
	CheckResult string
	Actor       string
	// Recipient is the address the notice is mailed to (empty: recorded
	// only, as before notices were mailed).
	Recipient string
	// Category is the case's category when the notice was sent: the
	// content type of the yearly transparency report.
	Category string
	// Network is the hosting network (ASN and organisation) from the
	// case's hosting trace, for time to removal per network.
	Network   string
	MailedAt  time.Time
	MailError string
	// NextCheckAt is when the scheduler checks the URL next; zero when
	// nothing is left to check.
	NextCheckAt time.Time
	Checks      int
	EscalatedAt time.Time
}

// Overdue tells a notice whose content is not known to be removed in time.
func (n Notice) Overdue(now time.Time) bool { return n.Status != StatusRemoved && now.After(n.DueAt) }

// TimeToRemoval is how long the content stayed online after the notice.
func (n Notice) TimeToRemoval() (time.Duration, bool) {
	if n.Status != StatusRemoved || n.RemovedAt.IsZero() {
		return 0, false
	}
	return n.RemovedAt.Sub(n.SentAt), true
}

// Store keeps notices.
type Store interface {
	CreateNotice(ctx context.Context, n Notice) error
	Notice(ctx context.Context, id string) (Notice, error)
	CaseNotices(ctx context.Context, caseID string) ([]Notice, error)
	UpdateNotice(ctx context.Context, n Notice) error
	// RemovedNotices lists notices removed with a sending time in [from, to).
	RemovedNotices(ctx context.Context, from, to time.Time) ([]Notice, error)
	// EscalateNotice updates the notice (status escalated) and creates its
	// blocking request in one transaction; a notice escalates once.
	EscalateNotice(ctx context.Context, n Notice, r blocking.Request) error
}

// ErrNotFound is returned for an unknown notice.
var ErrNotFound = errors.New("notice not found")

// Service checks notices before storing them.
type Service struct {
	Store Store
	// NoticeDeadline overrides the plain notice's deadline when set.
	NoticeDeadline time.Duration
	Now            func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Send records a notice for one of the case's URLs.
func (s *Service) Send(ctx context.Context, caseID string, caseURLs []string, rawURL, host, kind, actor string) (Notice, error) {
	i := slices.IndexFunc(Kinds, func(k Kind) bool { return k.Code == kind })
	if i < 0 {
		return Notice{}, problem.New("notice.unknown_kind", kind)
	}
	if !slices.Contains(caseURLs, rawURL) {
		return Notice{}, problem.New("notice.url_not_in_case")
	}
	host = strings.TrimSpace(host)
	if host == "" || len(host) > 200 {
		return Notice{}, problem.New("notice.host_required")
	}
	k := Kinds[i]
	if k.Code == "notice" && s.NoticeDeadline > 0 {
		k.Deadline = s.NoticeDeadline
	}
	now := s.now().UTC()
	n := Notice{ID: uuid.NewString(), CaseID: caseID, URL: rawURL, Host: host, Kind: k.Code, LegalBasis: k.LegalBasis,
		SentAt: now, DueAt: now.Add(k.Deadline), Status: StatusSent, Actor: actor}
	return n, s.record(ctx, actor, "notice.send", caseID, n.Kind+" "+n.URL, func(ctx context.Context) error {
		return s.Store.CreateNotice(ctx, n)
	})
}

// record runs a change with its audit entry, in one transaction.
func (s *Service) record(ctx context.Context, actor, action, caseID, detail string, change func(ctx context.Context) error) error {
	return audit.Within(ctx, audit.Entry{At: s.now(), Actor: actor, Action: action, ObjectType: "case", ObjectID: caseID, Detail: detail}, change)
}

// Record sets what the analyst observed: removed or still online.
func (s *Service) Record(ctx context.Context, id string, removed bool, actor string) (Notice, error) {
	n, err := s.Store.Notice(ctx, id)
	if err != nil {
		return n, err
	}
	if removed {
		if n.Status != StatusRemoved {
			n.Status, n.RemovedAt = StatusRemoved, s.now().UTC()
		}
	} else {
		n.Status, n.RemovedAt = StatusStillOnline, time.Time{}
	}
	return n, s.record(ctx, actor, "notice.record", n.CaseID, n.ID+" "+n.Status, func(ctx context.Context) error {
		return s.Store.UpdateNotice(ctx, n)
	})
}

// Check fetches the URL (guarded, bounded) and records what it found: a
// 404, 410 or 451, or a host that no longer resolves, counts as removed.
// It refuses categories the server must never download.
func (s *Service) Check(ctx context.Context, id string, neverFetch bool, client *http.Client, actor string) (Notice, error) {
	n, err := s.Store.Notice(ctx, id)
	if err != nil {
		return n, err
	}
	if neverFetch {
		return n, problem.New("notice.never_fetched")
	}
	u, err := url.Parse(n.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return n, problem.New("notice.not_http")
	}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	resp, _, err := safehttp.Get(cctx, client, n.URL, 64<<10)
	now := s.now().UTC()
	n.CheckedAt = now
	switch {
	case err != nil && errors.Is(err, safehttp.ErrForbiddenAddress):
		return n, problem.New("notice.address_not_public")
	case err != nil && unresolved(err):
		// A name that does not resolve may be a resolver's failure, a
		// domain briefly lapsed or moved: the content is not shown to be
		// gone, and the notice keeps its status until a check sees it.
		n.CheckResult = "not confirmed: the host name does not resolve (" + trim(err.Error()) + ")"
	case err != nil:
		n.CheckResult = "no answer: " + trim(err.Error())
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone || resp.StatusCode == http.StatusUnavailableForLegalReasons:
		n.CheckResult = resp.Status
		if n.Status != StatusRemoved {
			n.Status, n.RemovedAt = StatusRemoved, now
		}
	default:
		n.CheckResult = resp.Status
		if n.Status != StatusRemoved {
			n.Status = StatusStillOnline
		}
	}
	return n, s.record(ctx, actor, "notice.check", n.CaseID, n.ID+" "+n.CheckResult, func(ctx context.Context) error {
		return s.Store.UpdateNotice(ctx, n)
	})
}

func unresolved(err error) bool {
	var dns *net.DNSError
	return errors.As(err, &dns) || strings.Contains(err.Error(), "no such host")
}

func trim(s string) string {
	if len(s) > 200 {
		return s[:200]
	}
	return s
}
