package workspace

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/linkgraph"
	"github.com/vigie-platform/vigie/web"
)

// Drafts save the analyst typing what the platform already knows: a new
// case's title from the identifiers its reports share, and the summary of
// a case not yet qualified from its reports. Both stay editable; cases
// are written in French, the language of the services they go to.

// draftTitleReports bounds the reports a title is drawn from.
const draftTitleReports = 20

// draftTitle names a case by the identifiers its reports share (« IBAN
// FR76…, domaine colis-suivi.fr »), else by its report or reports.
func (s *server) draftTitle(ctx context.Context, reportIDs []string) (string, error) {
	carriers := map[string]int{}
	infos := map[string]correlate.Info{}
	byReport, err := s.Index.ReportsIndicators(ctx, reportIDs[:min(len(reportIDs), draftTitleReports)])
	if err != nil {
		return "", fmt.Errorf("title of a new case: %w", err)
	}
	for _, got := range byReport {
		for _, info := range got {
			if info.Flagged != "" {
				continue
			}
			k := identifierKey(info.Type, info.Value)
			carriers[k]++
			infos[k] = info
		}
	}
	var shared []string
	for k, n := range carriers {
		if n >= 2 || len(reportIDs) == 1 {
			shared = append(shared, k)
		}
	}
	slices.SortFunc(shared, func(a, b string) int {
		return cmp.Or(cmp.Compare(carriers[b], carriers[a]), cmp.Compare(typeRank(infos[a].Type), typeRank(infos[b].Type)), cmp.Compare(a, b))
	})
	var parts []string
	for _, k := range shared[:min(len(shared), 2)] {
		parts = append(parts, typeWord(infos[k].Type)+" "+infos[k].Value)
	}
	items, err := s.itemsByID(ctx, reportIDs[:min(len(reportIDs), 1)])
	if err != nil {
		return "", err
	}
	switch {
	case len(parts) > 0:
		return truncate(strings.Join(parts, ", "), 200), nil
	case len(reportIDs) == 1 && items[reportIDs[0]].Receipt != "":
		return "Signalement " + items[reportIDs[0]].Receipt, nil
	}
	return fmt.Sprintf("%d signalements du %s", len(reportIDs), web.TranslatorFor("fr").Date(time.Now())), nil
}

// typeRank puts the identifiers that name a scammer first.
func typeRank(t indicator.Type) int {
	order := []indicator.Type{indicator.IBAN, indicator.Phone, indicator.BTC, indicator.ETH, indicator.TRX, indicator.Domain, indicator.Email, indicator.Handle, indicator.URL}
	if i := slices.Index(order, t); i >= 0 {
		return i
	}
	return len(order)
}

func typeWord(t indicator.Type) string {
	switch t {
	case indicator.IBAN:
		return "IBAN"
	case indicator.Phone:
		return "tél."
	case indicator.BTC, indicator.ETH, indicator.TRX:
		return "portefeuille"
	case indicator.Domain:
		return "domaine"
	case indicator.Email:
		return "courriel"
	case indicator.URL:
		return "adresse"
	}
	return string(t)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// draftSummary writes what a case's reports say together: how many, over
// which days, the identifiers they share and the losses declared.
func draftSummary(reports []caseReport, more int, g linkgraph.Graph) string {
	if len(reports) == 0 {
		return ""
	}
	fr := web.TranslatorFor("fr")
	first, last := reports[0].CreatedAt, reports[0].CreatedAt
	var loss int64
	victims := 0
	for _, r := range reports {
		first, last = minTime(first, r.CreatedAt), maxTime(last, r.CreatedAt)
		if r.Loss != nil && r.Loss.Currency == "EUR" {
			loss += r.Loss.AmountCents
		}
		if r.IsVictim {
			victims++
		}
	}
	n := len(reports) + more
	var b strings.Builder
	if n == 1 {
		fmt.Fprintf(&b, "Un signalement reçu le %s.", fr.Date(first))
	} else {
		fmt.Fprintf(&b, "%s signalements reçus du %s au %s", fr.Number(n), fr.Date(first), fr.Date(last))
		if more > 0 {
			fmt.Fprintf(&b, " (les %s premiers lus ici)", fr.Number(len(reports)))
		}
		b.WriteString(".")
	}
	var shared []string
	for _, t := range g.Ties() {
		if t.Identifier.Kind == linkgraph.KindIdentifier && len(t.Reports) >= 2 && len(shared) < 4 {
			shared = append(shared, fmt.Sprintf("%s (%d signalements)", t.Identifier.Title, len(t.Reports)))
		}
	}
	if len(shared) > 0 {
		fmt.Fprintf(&b, " Identifiants en commun : %s.", strings.Join(shared, ", "))
	}
	if victims > 0 {
		fmt.Fprintf(&b, " Victimes déclarées : %s", fr.Number(victims))
		if loss > 0 {
			fmt.Fprintf(&b, ", préjudice déclaré : %s", fr.Money(loss, "EUR"))
		}
		b.WriteString(".")
	}
	return b.String()
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
