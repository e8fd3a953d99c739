// Package wave gathers reports of one wave (many people reporting the same
// scam message, link or picture) so that analysts handle them as one queue
// item: reports that share a normalised URL, an attachment's hash, or a
// near-identical text join one wave. Near-identical texts are found with
// MinHash over word shingles (text.go); values that the warning list keeps
// from linking reports make no wave either.
package wave

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"time"

	"github.com/vigie-platform/vigie/indicator"
)

// Threshold is the estimated Jaccard similarity of shingles from which two
// texts are one template's copies. Measured on the demo's campaigns
// (`vigie bench waves`, BENCHMARKS.md "Waves"): copies of one template
// where a name, an amount, an order number or a link changes score 0.62
// at the 1st percentile and 0.67 at the 5th (most are identical once
// links are placeholders); 0.6 keeps 99.4 % of such pairs, and the
// others still join through another member (recall over pairs is 1.0).
// Texts of two campaigns on one template score up to 0.83 (0.73 at the
// 99th percentile): no threshold separates them, which is why texts that
// name different contacts of one kind never match (contacts.go); with
// that rule, none of 20,000 such pairs matched.
const Threshold = 0.6

// Wave is a group of reports handled as one.
type Wave struct {
	// ID is the wave's number, shown to people ("vague 123"): a small
	// integer, not an internal id.
	ID        int64
	CreatedAt time.Time
	// LastAt is when its newest member was received.
	LastAt time.Time
	// Size counts its members; Open those waiting for a decision.
	Size, Open int
	// Kind is what first gathered it: KindURL, KindHash or KindText; Key
	// is the URL or the hash (empty for a text).
	Kind, Key string
	// Lead is the report whose content the wave was started on.
	Lead string
}

// What gathers reports into a wave.
const (
	KindURL  = "url"
	KindHash = "hash"
	KindText = "text"
)

// Day is how many members a wave received on one day (Paris).
type Day struct {
	Day   string // YYYY-MM-DD
	Count int
}

// Pending is a linked report waiting to be placed in a wave.
type Pending struct {
	ID        string
	CreatedAt time.Time
	Fields    indicator.Fields
}

// Keys are what a report may share with others of its wave.
type Keys struct {
	// Exact keys join reports that share them: "u:" and a normalised URL,
	// "h:" and an attachment's SHA-256.
	Exact []string
	// Text is the description's signature and contacts; HasText is false
	// for a text that is not compared (too short, or naming no link or
	// contact: see KeysOf).
	Text    Text
	HasText bool
}

// ErrNotFound means no such wave.
var ErrNotFound = errors.New("no such wave")

// Store keeps waves.
type Store interface {
	// AssignWaves takes up to limit reports linked since the last call,
	// oldest first, and places each in a wave: the wave of the first
	// earlier report it shares an exact key with, or whose text is at
	// least threshold similar to its own; a new wave with that report when
	// it had none; no wave when it shares nothing. It returns how many
	// reports it took.
	AssignWaves(ctx context.Context, limit int, threshold float64, keys func(Pending) Keys) (int, error)
	Wave(ctx context.Context, id int64) (Wave, error)
	// WaveOf is the wave of a report, ErrNotFound when it has none.
	WaveOf(ctx context.Context, reportID string) (Wave, error)
	// WaveDays counts a wave's members per day, oldest first.
	WaveDays(ctx context.Context, id int64) ([]Day, error)
	// WaveMembers lists up to limit members, oldest first; open limits
	// them to those waiting for a decision (new or assigned).
	WaveMembers(ctx context.Context, id int64, open bool, limit int) ([]string, error)
}

// Lister says whether a value is on the warning list (correlate's).
type Lister interface {
	Check(t indicator.Type, value string) (reason string, listed bool)
}

// KeysOf computes a report's keys. URLs and hashes are those the linker
// indexes, normalised the same way; a value on the warning list gives no
// key, and neither does a URL that is only a listed host's home page
// (https://www.facebook.com/ names a platform, not a content).
func KeysOf(p Pending, list Lister, opts indicator.Options) Keys {
	var k Keys
	seen := map[string]bool{}
	for _, ind := range indicator.FromReport(p.Fields, opts) {
		var key string
		switch ind.Type {
		case indicator.URL:
			if listedURL(ind.Value, list) {
				continue
			}
			key = "u:" + ind.Value
		case indicator.SHA256:
			if _, listed := list.Check(ind.Type, ind.Value); listed {
				continue
			}
			key = "h:" + ind.Value
		default:
			continue
		}
		if !seen[key] {
			seen[key] = true
			k.Exact = append(k.Exact, key)
		}
	}
	// A template exists to send its victims somewhere: a text naming no
	// link and no contact is a description in common words, which
	// unrelated reporters write alike ("images vues sur un forum"), and
	// is not compared.
	toks := Tokens(p.Fields.Description)
	anchored := slices.Contains(toks, linkToken) || slices.Contains(toks, emailToken)
	var contacts []uint64
	for _, ind := range indicator.FromReport(indicator.Fields{Description: p.Fields.Description}, opts) {
		kind, ok := contactKinds[ind.Type]
		if !ok {
			continue
		}
		if _, listed := list.Check(ind.Type, ind.Value); listed {
			continue
		}
		anchored = true
		contacts = append(contacts, contact(kind, ind.Value))
	}
	if !anchored {
		return k
	}
	if sig, ok := signTokens(toks); ok {
		slices.Sort(contacts)
		k.Text, k.HasText = Text{Sig: sig, Contacts: slices.Compact(contacts)}, true
	}
	return k
}

func listedURL(v string, list Lister) bool {
	if _, listed := list.Check(indicator.URL, v); listed {
		return true
	}
	u, err := url.Parse(v)
	if err != nil {
		return true // not a URL the indexer would make: no key rather than a wrong one
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		return false
	}
	_, hostListed := list.Check(indicator.Host, u.Hostname())
	return hostListed
}
