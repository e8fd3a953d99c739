// Package feed is the disruption feeds (issue 15, part 4): what of the
// approved blocking requests and of the reported payment identifiers
// leaves Vigie for the resolvers of ISPs, the banks and the threat
// intelligence platforms, and in which formats.
//
// Selection rules, decided here and nowhere else:
//
//   - A blocking request enters the blocklist only once the oversight
//     approved it, and leaves it once its content has been confirmed gone
//     for the grace period (blocking.Request.Live). Pending and refused
//     requests never enter it.
//   - The URL of every live request is listed in the text and CSV feeds.
//     Its host name is listed in the RPZ zone (which blocks the whole name
//     and its sub-domains at the resolver) only when blocking the whole
//     name hits nobody else: never an IP address (resolvers do not resolve
//     them), never a name the warning list knows as shared (large
//     platforms, webmail, link shorteners, hosting of many sites: a
//     URL-level decision on one page of them must not cut off everybody's
//     pages), never a name that is not a valid DNS name. Such URLs stay in
//     the URL feeds, which proxies and browsers' filters match by URL.
//   - Payment identifiers (PaymentRule) are IBANs and crypto-currency
//     wallets named by reports that analysts kept in a case, by at least
//     two distinct reports, whose last report is recent.
package feed

import (
	"context"
	"net/netip"
	"strings"
	"time"

	"golang.org/x/net/idna"

	"github.com/vigie-platform/vigie/blocking"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/indicator"
)

// Feeds, as the audit trail and the freshness measurement name them.
const (
	Blocklist = "blocklist"
	Payments  = "payments"
	TAXII     = "taxii"
)

// Entry is what a feed needs of an approved request.
type Entry struct {
	ID         string
	URL        string
	Domain     string
	Category   string
	ApprovedAt time.Time
	GoneSince  time.Time
	// Changed is the row's change stamp (unix microseconds).
	Changed int64
	// name is RPZName's answer, kept by the cache (named: computed), and
	// nameIdx its number among the cache's names (0: none), which lets a
	// generation tell names already written by a slice, not a map.
	name    string
	named   bool
	nameIdx int32
	// line is TextLine(URL), kept by the cache too.
	line string
}

// Live tells whether the entry is served at now (blocking.Request.Live).
func (e Entry) Live(now time.Time, grace time.Duration) bool {
	return blocking.Request{State: blocking.StateApproved, GoneSince: e.GoneSince}.Live(now, grace)
}

// Payment is one payment identifier of the banks' feed.
type Payment struct {
	Type      indicator.Type
	Value     string
	Reports   int
	FirstSeen time.Time
	LastSeen  time.Time
}

// PaymentTypes are the identifiers the banks' feed carries: accounts and
// wallets money is sent to. BICs name a bank, not a fraudster.
var PaymentTypes = []indicator.Type{indicator.IBAN, indicator.BTC, indicator.ETH, indicator.TRX}

// PaymentRule says which reported identifiers a bank receives.
//
// A victim writes their own IBAN in a report as often as the fraudster's
// ("I paid from my account FR76… to …"); the index cannot tell them
// apart. A bank freezing a victim's account would add harm, so an
// identifier is sent only when (1) the reports naming it were kept by an
// analyst in a case (a person read them; reports decided unfounded,
// duplicate or not competent, and those not yet read, count for nothing),
// (2) at least MinReports distinct such reports name it (a victim's own
// account is named in their own report; a fraudster's collects reports
// from several victims), (3) it is not on the warning list, and (4) its
// last such report is less than MaxAge old (the entry expires).
type PaymentRule struct {
	MinReports int
	MaxAge     time.Duration
}

// DefaultPaymentRule: two reports, 90 days.
var DefaultPaymentRule = PaymentRule{MinReports: 2, MaxAge: 90 * 24 * time.Hour}

// Push is a claimed push of a feed to a destination: one per period, for
// every instance together.
type Push struct {
	Feed        string
	Destination string
	Slot        int64 // the period's number: unix time / period
}

// StampMargin is how far before the latest change stamp it saw an
// instance reads again: a transaction that took its stamp earlier but
// committed later, or an instance whose clock is behind by less, is
// still read. Reading a row twice changes nothing.
const StampMargin = 5 * time.Minute

// Store is what the feeds read. Every change of an approved request that
// the feeds show (approval, content gone or back online) must stamp the
// row's changed_at (blocking.Store's methods do).
type Store interface {
	// BlocklistStamp is the latest change stamp of the requests.
	BlocklistStamp(ctx context.Context) (int64, error)
	// ApprovedBlocking calls fn for every approved request, streaming
	// from the database (an instance's first load).
	ApprovedBlocking(ctx context.Context, fn func(Entry) error) error
	// BlocklistChanges returns the approved requests stamped after since.
	BlocklistChanges(ctx context.Context, since int64) ([]Entry, error)
	// PaymentIdentifiers returns the identifiers the rule admits at now.
	PaymentIdentifiers(ctx context.Context, rule PaymentRule, now time.Time) ([]Payment, error)
	// ClaimPush records the push of a feed for a period; false when an
	// instance claimed it already.
	ClaimPush(ctx context.Context, p Push, at time.Time) (bool, error)
	// PushDone records the outcome of a claimed push (empty error: sent).
	PushDone(ctx context.Context, p Push, at time.Time, sendErr string) error
}

// Shared tells whether a host name is shared by many sites or people
// (correlate.WarningList's rules for hosts and domains).
type Shared func(host string) bool

// RPZName is the host name of an entry as the RPZ zone lists it, in
// ASCII (IDNA), or "" when the host must not be listed there: an IP
// address, an invalid name, a shared one.
func RPZName(domain string, shared Shared) string {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	if d == "" {
		return ""
	}
	if _, err := netip.ParseAddr(strings.Trim(d, "[]")); err == nil {
		return ""
	}
	ascii, err := lookup.ToASCII(d)
	if err != nil || !validName(ascii) {
		return ""
	}
	if shared != nil && (shared(ascii) || shared(d)) {
		return ""
	}
	return ascii
}

// lookup maps names as browsers do, admitting the underscores that some
// host names carry (validName then decides what a zone may hold).
var lookup = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(false), idna.BidiRule())

// maxName bounds a listed name so that it stays a valid owner name below
// the zone's origin (255 octets in all, RFC 1035).
const maxName = 200

// validName admits host names of letters, digits, hyphens and underscores
// in labels of 1 to 63 octets, at least two labels: nothing a zone file
// would read as anything but a name.
func validName(s string) bool {
	if len(s) == 0 || len(s) > maxName {
		return false
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// SharedBy is Shared from the warning list: a host is shared when the
// list names it, or one of its parent domains, as a host or a domain
// (a page on a sub-domain of a large platform is the platform's).
func SharedBy(list *correlate.WarningList) Shared {
	return func(host string) bool {
		if list == nil {
			return false
		}
		for h := host; strings.Contains(h, "."); h = h[strings.IndexByte(h, '.')+1:] {
			if _, ok := list.Check(indicator.Host, h); ok {
				return true
			}
			if _, ok := list.Check(indicator.Domain, h); ok {
				return true
			}
		}
		return false
	}
}
