// Package export writes a case for other systems: a STIX 2.1 bundle, a
// MISP event, CSV of its identifiers, and a plain-English referral
// summary for Interpol. Reporters' identities never leave in an export.
package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/report"
)

// Case is what an export is made from.
type Case struct {
	Case          casefile.Case
	Reports       []report.Report
	Identifiers   []correlate.Info // distinct identifiers of the case's reports
	CategoryEN    string           // the category's English label
	HostCountries []string
	Now           time.Time
}

func stixTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func stixID(kind string) string { return kind + "--" + uuid.NewString() }

// stixPattern is the STIX pattern of an identifier, when STIX has an
// object for it.
func stixPattern(i correlate.Info) (string, bool) {
	q := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(i.Value)
	switch i.Type {
	case indicator.URL:
		return "[url:value = '" + q + "']", true
	case indicator.Domain, indicator.Host:
		return "[domain-name:value = '" + q + "']", true
	case indicator.IP:
		if strings.Contains(i.Value, ":") {
			return "[ipv6-addr:value = '" + q + "']", true
		}
		return "[ipv4-addr:value = '" + q + "']", true
	case indicator.Email:
		return "[email-addr:value = '" + q + "']", true
	case indicator.SHA256:
		return "[file:hashes.'SHA-256' = '" + q + "']", true
	}
	return "", false
}

// STIX returns a STIX 2.1 bundle: an identity (Vigie), a report for the
// case, an indicator per identifier STIX can express, and a relationship
// from each indicator to the report.
func STIX(c Case) ([]byte, error) {
	now := stixTime(c.Now)
	identity := map[string]any{"type": "identity", "spec_version": "2.1", "id": stixID("identity"), "created": now, "modified": now,
		"name": "Vigie", "identity_class": "organization"}
	reportID := stixID("report")
	objects := []any{identity}
	var refs []string
	var rels []any
	for _, i := range c.Identifiers {
		pattern, ok := stixPattern(i)
		if !ok || i.Flagged != "" {
			continue
		}
		id := stixID("indicator")
		objects = append(objects, map[string]any{"type": "indicator", "spec_version": "2.1", "id": id, "created": now, "modified": now,
			"created_by_ref": identity["id"], "name": string(i.Type) + " " + i.Value, "indicator_types": []string{"malicious-activity"},
			"pattern": pattern, "pattern_type": "stix", "valid_from": stixTime(i.FirstSeen)})
		refs = append(refs, id)
		rels = append(rels, map[string]any{"type": "relationship", "spec_version": "2.1", "id": stixID("relationship"), "created": now, "modified": now,
			"created_by_ref": identity["id"], "relationship_type": "related-to", "source_ref": id, "target_ref": reportID})
	}
	for _, r := range rels {
		refs = append(refs, r.(map[string]any)["id"].(string))
	}
	refs = append(refs, identity["id"].(string))
	labels := []string{"vigie-category:" + c.Case.Category}
	objects = append(objects, rels...)
	objects = append(objects, map[string]any{"type": "report", "spec_version": "2.1", "id": reportID, "created": now, "modified": now,
		"created_by_ref": identity["id"], "name": c.Case.Title, "description": c.Case.Summary, "report_types": []string{"threat-report"},
		"published": now, "object_refs": refs, "labels": labels})
	return json.MarshalIndent(map[string]any{"type": "bundle", "id": stixID("bundle"), "objects": objects}, "", " ")
}

// mispType maps identifiers to MISP attribute types and categories.
func mispType(t indicator.Type) (string, string) {
	switch t {
	case indicator.URL:
		return "url", "Network activity"
	case indicator.Domain, indicator.Host:
		return "domain", "Network activity"
	case indicator.IP:
		return "ip-dst", "Network activity"
	case indicator.Email:
		return "email-src", "Payload delivery"
	case indicator.Phone:
		return "phone-number", "Other"
	case indicator.IBAN:
		return "iban", "Financial fraud"
	case indicator.BIC:
		return "bic", "Financial fraud"
	case indicator.BTC:
		return "btc", "Financial fraud"
	case indicator.ETH, indicator.TRX:
		return "text", "Financial fraud"
	case indicator.SHA256:
		return "sha256", "Payload delivery"
	case indicator.Handle:
		return "text", "Social network"
	}
	return "text", "Other"
}

// MISP returns a MISP event (the JSON MISP imports) with one attribute
// per identifier.
func MISP(c Case) ([]byte, error) {
	var attrs []map[string]any
	for _, i := range c.Identifiers {
		t, cat := mispType(i.Type)
		a := map[string]any{"uuid": uuid.NewString(), "type": t, "category": cat, "value": i.Value, "to_ids": i.Flagged == "",
			"comment": fmt.Sprintf("%s, seen in %d reports on the platform", i.Type, i.Count)}
		attrs = append(attrs, a)
	}
	threat := "3"
	switch c.Case.Priority {
	case "critical", "high":
		threat = "1"
	case "normal":
		threat = "2"
	}
	event := map[string]any{"uuid": uuid.NewString(), "info": c.Case.Title, "date": c.Case.CreatedAt.UTC().Format(time.DateOnly),
		"threat_level_id": threat, "analysis": "1", "distribution": "0", "Attribute": attrs,
		"Tag": []map[string]string{{"name": "vigie:category=\"" + c.Case.Category + "\""}}}
	return json.MarshalIndent(map[string]any{"Event": event}, "", " ")
}

// CSV returns the case's identifiers, one per line.
func CSV(c Case) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"case_id", "type", "value", "reports_on_platform", "first_seen", "last_seen", "flagged"})
	for _, i := range c.Identifiers {
		// A leading =, +, - or @ would be read as a formula by spreadsheets.
		v := i.Value
		if strings.ContainsAny(v[:min(1, len(v))], "=+-@") {
			v = "'" + v
		}
		w.Write([]string{c.Case.ID, string(i.Type), v, strconv.FormatInt(i.Count, 10), i.FirstSeen.UTC().Format(time.RFC3339), i.LastSeen.UTC().Format(time.RFC3339), i.Flagged})
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// Summary is the plain-English referral summary sent with a case to
// Interpol: the facts, the identifiers and where the content is hosted;
// the analysts' summary is quoted as written.
func Summary(c Case) []byte {
	var b strings.Builder
	cs := c.Case
	first, last := cs.CreatedAt, cs.CreatedAt
	for _, r := range c.Reports {
		if r.CreatedAt.Before(first) {
			first = r.CreatedAt
		}
		if r.CreatedAt.After(last) {
			last = r.CreatedAt
		}
	}
	fmt.Fprintf(&b, "REFERRAL SUMMARY — Vigie online reporting platform (France)\n\n")
	fmt.Fprintf(&b, "Case: %s\nTitle: %s\nOffence: %s (%s)\n", cs.ID, cs.Title, c.CategoryEN, cs.Category)
	if len(cs.LegalRefs) > 0 {
		fmt.Fprintf(&b, "Legal basis (French law): %s\n", strings.Join(cs.LegalRefs, "; "))
	}
	fmt.Fprintf(&b, "Priority: %s\nReports: %d, received between %s and %s (UTC)\n", cs.Priority, len(c.Reports),
		first.UTC().Format(time.DateOnly), last.UTC().Format(time.DateOnly))
	if len(c.HostCountries) > 0 {
		fmt.Fprintf(&b, "Content hosted in: %s\n", strings.Join(c.HostCountries, ", "))
	}
	fmt.Fprintf(&b, "\nAnalyst's summary (as written, in French):\n%s\n", indent(cs.Summary))
	fmt.Fprintf(&b, "\nIdentifiers (%d):\n", len(c.Identifiers))
	for _, i := range c.Identifiers {
		fmt.Fprintf(&b, "  - %s: %s (in %d reports on the platform)\n", i.Type, i.Value, i.Count)
	}
	fmt.Fprintf(&b, "\nReporters' identities are not included; requests go through the French national central bureau.\nGenerated %s.\n", c.Now.UTC().Format(time.RFC3339))
	return []byte(b.String())
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n  ")
}
