package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/vigie-platform/vigie/blocking"
	"github.com/vigie-platform/vigie/removal"
	"github.com/vigie-platform/vigie/stats"
)

// Fate is where a demo notice stands today.
type Fate int

const (
	// FateRemoved: the host removed the content before the deadline.
	FateRemoved Fate = iota
	// FateWaiting: sent, the deadline not reached yet.
	FateWaiting
	// FateOverdue: the deadline passed with the content online, not
	// escalated yet (the scheduler's next check will).
	FateOverdue
	// FatePending: escalated this week, waiting for the oversight.
	FatePending
	// FatePendingOld: escalated last week and still waiting: the
	// oversight is behind, as the batches' list shows.
	FatePendingOld
	// FateApproved: escalated in an earlier week, approved, still online:
	// what the feeds serve.
	FateApproved
	// FateApprovedGone: approved, then the content went: it leaves the
	// feeds after the grace period.
	FateApprovedGone
	// FateRefused: escalated in an earlier week and refused by the
	// oversight: it never reaches a feed.
	FateRefused
)

// fates are the notices' outcomes by position, twenty at a time, so that
// a small demo (a dozen cases) already shows each. Where the shares come
// from: INHOPE's hotlines see content removed in about 2.5 days where a
// hotline acts and in 28 days or more elsewhere, so most notices end
// removed (11 of 20 here, 2 of them after escalation) and a fifth stay
// online past their deadline; Arcom's qualified person reviewed 118,160
// requests in 2023, about 2,300 a week, and contests few of them: the one
// refusal in 20 (a fifth of those reviewed) is more than real life, so
// that the demo shows one.
var fates = [20]Fate{
	FateRemoved, FatePending, FateRemoved, FateApproved, FateOverdue, FateRemoved, FateRefused, FateApprovedGone, FateRemoved, FateWaiting,
	FatePending, FateRemoved, FateApproved, FateRemoved, FatePendingOld, FateRemoved, FateApprovedGone, FateRemoved, FatePending, FateRemoved,
}

// FateOf is the fate of the i-th notice of a demo.
func FateOf(i int) Fate { return fates[i%len(fates)] }

// networks are hosting networks as a trace names them. The recipients are
// at reserved example domains: a demo notice is never mailed to anyone.
var networks = []struct{ network, host, recipient string }{
	{"AS16276 OVH SAS", "OVH SAS", "abuse@ovh.example"},
	{"AS24940 Hetzner Online GmbH", "Hetzner Online", "abuse@hetzner.example"},
	{"AS13335 Cloudflare, Inc.", "Cloudflare", "abuse@cloudflare.example"},
	{"AS12876 SCALEWAY S.A.S.", "Scaleway", "abuse@scaleway.example"},
	{"AS14061 DigitalOcean, LLC", "DigitalOcean", "abuse@digitalocean.example"},
	{"AS9009 M247 Europe SRL", "M247", "abuse@m247.example"},
}

// kindWords name the kinds of notice in a request's reason.
var kindWords = map[string]string{"removal-order": "injonction de retrait", "administrative": "demande administrative de retrait", "notice": "notification à l'hébergeur"}

// Reviewer is who reviews the demo's requests.
const Reviewer = "personnalite.qualifiee@arcom.example"

var approvals = []string{
	"Contenu manifestement illicite, demande conforme.",
	"Site frauduleux toujours actif, blocage proportionné.",
	"",
}

var refusals = []string{
	"L'adresse vise tout un service d'hébergement de pages : le blocage du domaine atteindrait des contenus licites.",
	"Le contenu relève d'un article de presse citant les propos, non d'une apologie.",
	"Demande insuffisamment motivée : la page n'était plus accessible à la date de la demande.",
}

// Lifecycle is one demo notice and what became of it: the notice as it
// stands now and, when it escalated, its blocking request as it stands
// now (reviewed or not, its content gone or not).
type Lifecycle struct {
	Fate    Fate
	Notice  removal.Notice
	Request *blocking.Request
}

// NoticeFor makes the i-th demo notice of a case about rawURL, with dates
// relative to now. Terrorist content gets a TCO removal order (one hour)
// or, one time in two, an administrative request (LCEN art. 6-1, 24
// hours), the two ways French authorities ask for it; other content a
// notice to the host (LCEN art. 6).
func NoticeFor(rng *rand.Rand, i int, caseID, category, rawURL string, now time.Time) Lifecycle {
	now = now.UTC().Truncate(time.Microsecond)
	kind := removal.Kinds[2]
	if strings.HasPrefix(category, "terrorism.") {
		kind = removal.Kinds[i%2]
	}
	net := networks[rng.IntN(len(networks))]
	between := func(lo, hi time.Duration) time.Duration { return lo + time.Duration(rng.Int64N(int64(hi-lo)+1)) }
	day := 24 * time.Hour
	monday := weekStart(now)

	fate := FateOf(i)
	var sent, escalated time.Time
	switch fate {
	case FateRemoved:
		sent = now.Add(-between(2*day, 70*day))
	case FateWaiting:
		sent = now.Add(-between(kind.Deadline/10, kind.Deadline*8/10))
	case FateOverdue:
		sent = now.Add(-kind.Deadline - between(5*time.Minute, 50*time.Minute))
	case FatePending:
		escalated = monday.Add(between(0, now.Sub(monday)))
	case FatePendingOld:
		escalated = monday.Add(-between(time.Hour, 6*day))
	default: // reviewed, in an earlier week
		escalated = monday.Add(-between(8*day, 63*day))
	}
	if !escalated.IsZero() {
		// The scheduler checks after the deadline and escalates what is
		// still online.
		sent = escalated.Add(-kind.Deadline - between(5*time.Minute, 2*time.Hour))
	}
	n := removal.Notice{ID: uuid.NewString(), CaseID: caseID, URL: rawURL, Host: net.host, Kind: kind.Code, LegalBasis: kind.LegalBasis,
		SentAt: sent, DueAt: sent.Add(kind.Deadline), Status: removal.StatusSent, Actor: "demo", Recipient: net.recipient,
		Category: category, Network: net.network, MailedAt: sent.Add(between(time.Second, time.Minute))}
	// Checks are recorded, and none is scheduled: the demo's addresses are
	// made up and some of their names may exist, so a server on a demo
	// store must not fetch them.
	check := func(at time.Time, result string) {
		n.Checks++
		n.CheckedAt, n.CheckResult = at, result
	}
	lc := Lifecycle{Fate: fate, Notice: n}
	switch fate {
	case FateRemoved:
		// Within the deadline; a removal order within the hour in most
		// cases, as the TCO regulation asks.
		ttr := between(kind.Deadline/20, kind.Deadline*9/10)
		check(sent.Add(ttr), "404 Not Found")
		n.Status, n.RemovedAt = removal.StatusRemoved, sent.Add(ttr)
	case FateWaiting:
		check(sent.Add((now.Sub(sent))/2), "200 OK")
	case FateOverdue:
		check(n.DueAt.Add(-between(time.Minute, 4*time.Minute)), "200 OK")
		n.Status = removal.StatusStillOnline
	default:
		check(escalated, "200 OK")
		n.Status, n.EscalatedAt = removal.StatusEscalated, escalated
		r := blocking.Request{ID: uuid.NewString(), NoticeID: n.ID, CaseID: caseID, URL: rawURL, Domain: blocking.DomainOf(rawURL), Category: category,
			Reason:      fmt.Sprintf("Toujours en ligne après l'échéance — %s, %s ; dernière vérification : 200 OK.", kindWords[kind.Code], net.host),
			RequestedAt: escalated, Batch: blocking.BatchOf(escalated), State: blocking.StatePending}
		reviewed := escalated.Add(between(day, 6*day))
		switch fate {
		case FateApproved, FateApprovedGone:
			r.State, r.ReviewedBy, r.ReviewedAt, r.ReviewReason = blocking.StateApproved, Reviewer, reviewed, approvals[rng.IntN(len(approvals))]
		case FateRefused:
			r.State, r.ReviewedBy, r.ReviewedAt, r.ReviewReason = blocking.StateRefused, Reviewer, reviewed, refusals[rng.IntN(len(refusals))]
		}
		if fate == FateApprovedGone {
			// Gone days after the block: hosts outside the hotlines'
			// networks take weeks (INHOPE: 28 days or more).
			gone := reviewed.Add(between(day, 20*day))
			if gone.After(now) {
				gone = now.Add(-time.Hour)
			}
			r.GoneSince = gone
			check(gone, "410 Gone")
			n.Status, n.RemovedAt = removal.StatusRemoved, gone
		}
		lc.Request = &r
	}
	lc.Notice = n
	return lc
}

// weekStart is the Monday, 00:00 in Paris, of the week t falls in.
func weekStart(t time.Time) time.Time {
	p := t.In(stats.Zone)
	d := time.Date(p.Year(), p.Month(), p.Day(), 0, 0, 0, 0, stats.Zone)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7)).UTC()
}
