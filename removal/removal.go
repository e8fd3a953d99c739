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
	"net/mail"
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
	// LegalBasisFR is the same basis in French, for the French part of
	// the mailed notice (LegalBasis, stored with the notice, is the
	// English one the X-ARF report carries).
	LegalBasisFR string
	Deadline     time.Duration
}

// Kinds are the notices the platform sends. The deadlines are the law's;
// NoticeDeadline (a plain notice) is configurable.
var Kinds = []Kind{
	{Code: "removal-order", LegalBasis: "Regulation (EU) 2021/784, art. 3 (terrorist content online): removal within one hour",
		LegalBasisFR: "Règlement (UE) 2021/784, art. 3 (contenus terroristes en ligne) : retrait dans l'heure", Deadline: time.Hour},
	{Code: "administrative", LegalBasis: "Loi n° 2004-575 (LCEN), art. 6-1: administrative removal request",
		LegalBasisFR: "Loi n° 2004-575 (LCEN), art. 6-1 : demande administrative de retrait", Deadline: 24 * time.Hour},
	{Code: "notice", LegalBasis: "Loi n° 2004-575 (LCEN), art. 6: notice to the host of manifestly illicit content",
		LegalBasisFR: "Loi n° 2004-575 (LCEN), art. 6 : notification d'un contenu manifestement illicite", Deadline: 72 * time.Hour},
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
	// MailAttempts counts the tries to mail the notice; MailNextAt is when
	// the mail worker tries next (zero once mailed or given up).
	MailAttempts int
	MailNextAt   time.Time
	// NeverFetch is frozen when the notice is sent: the case (its category
	// or one of its reports') is one the server must never download
	// (minors.*). The scheduler then never fetches the URL: the notice
	// escalates on its deadline unless an analyst recorded the removal.
	NeverFetch bool
}

// FrenchBasis is the French wording of a notice's legal basis, or the
// stored one for a kind no longer known.
func FrenchBasis(n Notice) string {
	if i := slices.IndexFunc(Kinds, func(k Kind) bool { return k.Code == n.Kind }); i >= 0 && Kinds[i].LegalBasis == n.LegalBasis {
		return Kinds[i].LegalBasisFR
	}
	return n.LegalBasis
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

	// ClaimNoticeChecks takes up to limit notices whose next check is due
	// at now and moves their next check to now+lease, atomically, so that
	// another instance's scheduler skips them (SKIP LOCKED where rows are
	// locked; the conditional update on a single writer). The returned
	// notices carry the claimed NextCheckAt, which SaveNoticeCheck checks.
	ClaimNoticeChecks(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Notice, error)
	// SaveNoticeCheck writes what a scheduled check found (status, removal
	// time, check time and result, checks, next check) only while the
	// notice's next check is still the claim's (claimed): ErrClaimLost when
	// an analyst recorded the notice meanwhile or the lease passed to
	// another instance. For an escalated notice it sets its blocking
	// request's gone-since to the notice's removal time, in the same
	// transaction.
	SaveNoticeCheck(ctx context.Context, n Notice, claimed time.Time) error
	// ClaimNoticeMail takes up to limit notices waiting to be mailed whose
	// attempt is due, counts an attempt and moves it to now+lease.
	ClaimNoticeMail(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Notice, error)
	// SaveNoticeMail writes the mail columns only (mailed at, error,
	// attempts, next attempt): the scheduler may be writing the check's.
	SaveNoticeMail(ctx context.Context, n Notice) error
	// NoticesSent lists the notices sent in [from, to), oldest first: the
	// yearly report and the times to removal.
	NoticesSent(ctx context.Context, from, to time.Time) ([]Notice, error)
}

// ErrClaimLost is returned by SaveNoticeCheck when the notice was changed
// by someone else since it was claimed: the check's result is dropped.
var ErrClaimLost = errors.New("notice check: claim lost")

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

// Draft is what an analyst asks to send.
type Draft struct {
	CaseID   string
	CaseURLs []string
	URL      string
	// Host names the provider; when it is an e-mail address (the notice
	// form is prefilled with the traced abuse contact), the notice is also
	// mailed there by the mail worker.
	Host  string
	Kind  string
	Actor string
	// Category is the case's category; Network the traced network of the
	// URL's host ("AS16276 OVH SAS"), both kept for the figures.
	Category   string
	Network    string
	NeverFetch bool
}

// Send records a notice for one of the case's URLs.
func (s *Service) Send(ctx context.Context, caseID string, caseURLs []string, rawURL, host, kind, actor string) (Notice, error) {
	return s.SendNotice(ctx, Draft{CaseID: caseID, CaseURLs: caseURLs, URL: rawURL, Host: host, Kind: kind, Actor: actor})
}

// FirstCheck is how long after sending the scheduler first checks a URL:
// the TCO clock's quarter hour.
const FirstCheck = 15 * time.Minute

// SendNotice records a notice, queues it for mailing when its host is an
// e-mail address, and schedules its first check: a quarter of an hour
// later, or at its deadline for a URL the server must not fetch (the
// scheduler escalates it then unless an analyst recorded the removal).
func (s *Service) SendNotice(ctx context.Context, d Draft) (Notice, error) {
	i := slices.IndexFunc(Kinds, func(k Kind) bool { return k.Code == d.Kind })
	if i < 0 {
		return Notice{}, problem.New("notice.unknown_kind", d.Kind)
	}
	if !slices.Contains(d.CaseURLs, d.URL) {
		return Notice{}, problem.New("notice.url_not_in_case")
	}
	host := strings.TrimSpace(d.Host)
	if host == "" || len(host) > 200 {
		return Notice{}, problem.New("notice.host_required")
	}
	k := Kinds[i]
	if k.Code == "notice" && s.NoticeDeadline > 0 {
		k.Deadline = s.NoticeDeadline
	}
	now := s.now().UTC()
	n := Notice{ID: uuid.NewString(), CaseID: d.CaseID, URL: d.URL, Host: host, Kind: k.Code, LegalBasis: k.LegalBasis,
		SentAt: now, DueAt: now.Add(k.Deadline), Status: StatusSent, Actor: d.Actor,
		Recipient: RecipientOf(host), Category: d.Category, Network: strings.TrimSpace(d.Network), NeverFetch: d.NeverFetch}
	n.NextCheckAt = now.Add(FirstCheck)
	if n.NeverFetch || !fetchable(n.URL) {
		n.NextCheckAt = n.DueAt
	}
	if n.Recipient != "" {
		n.MailNextAt = now
	}
	return n, s.record(ctx, d.Actor, "notice.send", d.CaseID, n.Kind+" "+n.URL, func(ctx context.Context) error {
		return s.Store.CreateNotice(ctx, n)
	})
}

// RecipientOf is the address a notice is mailed to: the host field when
// it is one plain e-mail address, else "" (a provider's name, a web
// form's URL: the notice is recorded and sent by hand).
func RecipientOf(host string) string {
	host = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(host), "mailto:"))
	if strings.ContainsAny(host, " \t\r\n<>,;\"") || strings.Count(host, "@") != 1 || len(host) > 200 {
		return ""
	}
	a, err := mail.ParseAddress(host)
	if err != nil || a.Address != host {
		return ""
	}
	local, domain, _ := strings.Cut(host, "@")
	if local == "" || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return ""
	}
	return host
}

func fetchable(rawURL string) bool {
	u, err := url.Parse(rawURL)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// record runs a change with its audit entry, in one transaction.
func (s *Service) record(ctx context.Context, actor, action, caseID, detail string, change func(ctx context.Context) error) error {
	return audit.Within(ctx, audit.Entry{At: s.now(), Actor: actor, Action: action, ObjectType: "case", ObjectID: caseID, Detail: detail}, change)
}

// Record sets what the analyst observed: removed or still online. An
// escalated notice stays escalated (its blocking request is under review);
// its removal time, which the store copies to the request's gone-since,
// is what changes.
func (s *Service) Record(ctx context.Context, id string, removed bool, actor string) (Notice, error) {
	n, err := s.Store.Notice(ctx, id)
	if err != nil {
		return n, err
	}
	now := s.now().UTC()
	escalated := !n.EscalatedAt.IsZero()
	switch {
	case removed && escalated:
		if n.RemovedAt.IsZero() {
			n.RemovedAt = now
		}
		if n.NeverFetch {
			n.NextCheckAt = time.Time{}
		}
	case removed:
		if n.Status != StatusRemoved {
			n.Status, n.RemovedAt = StatusRemoved, now
		}
		// Nothing is left to check or escalate.
		n.NextCheckAt = time.Time{}
	case escalated:
		n.RemovedAt = time.Time{}
	default:
		n.Status, n.RemovedAt = StatusStillOnline, time.Time{}
	}
	if !removed && n.NextCheckAt.IsZero() {
		// Online again after a removal: the schedule resumes, and a
		// notice past its deadline escalates at the next pass.
		n.NextCheckAt = now.Add(FirstCheck)
		if n.NeverFetch || !fetchable(n.URL) {
			n.NextCheckAt = n.DueAt
			if escalated {
				n.NextCheckAt = time.Time{}
			}
		}
	}
	detail := n.ID + " " + n.Status
	if escalated {
		detail += map[bool]string{true: " gone", false: " online"}[removed]
	}
	return n, s.record(ctx, actor, "notice.record", n.CaseID, detail, func(ctx context.Context) error {
		return s.Store.UpdateNotice(ctx, n)
	})
}

// outcome is what one fetch of a notice's URL shows.
type outcome int

const (
	// unconcluded: no answer, a name that does not resolve, a timeout, an
	// address the guard refuses: nothing is shown about the content.
	unconcluded outcome = iota
	gone                // 404, 410 or 451
	online              // any other answer
)

// probe fetches rawURL once through the guarded client, bounded in time
// and size, and says what it shows with a line for the notice.
func probe(ctx context.Context, client *http.Client, rawURL string) (outcome, string) {
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	resp, _, err := safehttp.Get(cctx, client, rawURL, 64<<10)
	switch {
	case err != nil && errors.Is(err, safehttp.ErrForbiddenAddress):
		return unconcluded, forbiddenResult
	case err != nil && unresolved(err):
		// A name that does not resolve may be a resolver's failure, a
		// domain briefly lapsed or moved: the content is not shown to be
		// gone, and the notice keeps its status until a check sees it.
		return unconcluded, "not confirmed: the host name does not resolve (" + trim(err.Error()) + ")"
	case err != nil:
		return unconcluded, "not confirmed: no answer (" + trim(err.Error()) + ")"
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone || resp.StatusCode == http.StatusUnavailableForLegalReasons:
		return gone, resp.Status
	default:
		return online, resp.Status
	}
}

const forbiddenResult = "not confirmed: the host's address is not public"

// NotConfirmed tells a check result that concluded nothing.
func NotConfirmed(result string) bool { return strings.HasPrefix(result, "not confirmed") }

// apply sets what a check found on n. Only an answer of the host itself
// (404, 410, 451) counts as removed; an unconcluded check changes nothing
// but the result. An escalated notice keeps its status: its removal time
// says whether the content is gone now (zero again if it comes back).
func apply(n *Notice, o outcome, result string, now time.Time) {
	n.CheckedAt, n.CheckResult = now, result
	n.Checks++
	escalated := !n.EscalatedAt.IsZero()
	switch {
	case o == gone && escalated:
		if n.RemovedAt.IsZero() {
			n.RemovedAt = now
		}
	case o == gone && n.Status != StatusRemoved:
		n.Status, n.RemovedAt = StatusRemoved, now
	case o == online && escalated:
		n.RemovedAt = time.Time{}
	case o == online && n.Status != StatusRemoved:
		n.Status = StatusStillOnline
	}
}

// Check fetches the URL (guarded, bounded) and records what it found: a
// 404, 410 or 451 counts as removed; a host that does not resolve or does
// not answer is "not confirmed". It refuses categories the server must
// never download.
func (s *Service) Check(ctx context.Context, id string, neverFetch bool, client *http.Client, actor string) (Notice, error) {
	n, err := s.Store.Notice(ctx, id)
	if err != nil {
		return n, err
	}
	if neverFetch || n.NeverFetch {
		return n, problem.New("notice.never_fetched")
	}
	if !fetchable(n.URL) {
		return n, problem.New("notice.not_http")
	}
	o, result := probe(ctx, client, n.URL)
	if result == forbiddenResult {
		return n, problem.New("notice.address_not_public")
	}
	apply(&n, o, result, s.now().UTC())
	if n.Status == StatusRemoved && n.EscalatedAt.IsZero() {
		n.NextCheckAt = time.Time{}
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
