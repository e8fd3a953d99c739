// Package export writes a case for other systems: a STIX 2.1 bundle, a
// MISP event, CSV of its identifiers, and a plain-English referral
// summary for Interpol. Reporters' identities never leave in an export.
package export

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"encoding/json"
	"errors"
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
	Now           time.Time // when the summary was written; ids and STIX and MISP times never depend on it
	// Namespace is the installation's (InstallationNamespace): STIX and
	// MISP exports refuse to run without it.
	Namespace uuid.UUID
	// PublicURL, when known, makes the extension's schema an absolute URL.
	PublicURL string
}

func stixTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// misptime is a MISP timestamp: Unix seconds, as a JSON string.
func mispTime(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// vigieNamespace is the root of every installation's namespace: a
// constant, so that an installation's namespace depends only on its own
// secret (InstallationNamespace).
var vigieNamespace = uuid.MustParse("6f1d3c0e-5a47-5b8e-9c1e-0b7a4f3d2e61")

// InstallationNamespace derives an installation's namespace for export
// ids from a secret the installation keeps (its store's "export" server
// key): stable across restarts and instances, different between
// installations, and not guessable from outside, so that nobody can make
// objects that collide with ours.
func InstallationNamespace(secret []byte) uuid.UUID {
	return uuid.NewSHA1(vigieNamespace, secret)
}

// ids makes the deterministic ids of one installation: UUIDv5 (RFC 9562)
// of the object's identity in the installation's namespace. The same case
// exported twice gives the same ids, so a consumer updates what it has
// instead of holding two copies.
type ids struct{ ns uuid.UUID }

func (n ids) uuid(parts ...string) string {
	return uuid.NewSHA1(n.ns, []byte(strings.Join(parts, "\x00"))).String()
}

func (n ids) stix(kind string, parts ...string) string {
	return kind + "--" + n.uuid(append([]string{kind}, parts...)...)
}

// ObjectID is the deterministic STIX id of an object of kind identified
// by parts in the installation's namespace ns, as the exports make them:
// the disruption feeds (package feed) name their objects the same way.
func ObjectID(ns uuid.UUID, kind string, parts ...string) string {
	return ids{ns}.stix(kind, parts...)
}

// epoch is the created and modified time of the objects that never change
// (the installation's identity, the extension's definition): constant, so
// that their every copy is the same version.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// ExtensionSchema is the JSON schema of the STIX property extension that
// carries the identifiers STIX has no object for. The file is in the
// repository (export/stix-extension-identifiers.schema.json) and served
// by every installation at ExtensionSchemaPath.
//
//go:embed stix-extension-identifiers.schema.json
var ExtensionSchema []byte

// ExtensionSchemaPath is where an installation serves ExtensionSchema.
const ExtensionSchemaPath = "/api/stix/extension-identifiers-v1.schema.json"

// extensionVersion is the version of the extension's schema.
const extensionVersion = "1.0"

// stixPattern is the STIX pattern of an identifier, when STIX has an
// object for it. URL values are RFC 3986 URIs (URI); a string literal of
// the pattern grammar escapes only the quote and the backslash.
func stixPattern(i correlate.Info) (string, bool) {
	literal := func(v string) string { return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'" }
	switch i.Type {
	case indicator.URL:
		return "[url:value = " + literal(URI(i.Value)) + "]", true
	case indicator.Domain, indicator.Host:
		return "[domain-name:value = " + literal(i.Value) + "]", true
	case indicator.IP:
		if strings.Contains(i.Value, ":") {
			return "[ipv6-addr:value = " + literal(i.Value) + "]", true
		}
		return "[ipv4-addr:value = " + literal(i.Value) + "]", true
	case indicator.Email:
		return "[email-addr:value = " + literal(i.Value) + "]", true
	case indicator.SHA256:
		return "[file:hashes.'SHA-256' = " + literal(i.Value) + "]", true
	}
	return "", false
}

// errNoNamespace refuses an export whose ids would not be the
// installation's own.
var errNoNamespace = errors.New("export: no installation namespace")

// modifiedAt is when the case last changed as an export sees it: the
// case itself, or the newest sighting of one of its identifiers.
func modifiedAt(c Case) time.Time {
	m := c.Case.CreatedAt
	if c.Case.UpdatedAt.After(m) {
		m = c.Case.UpdatedAt
	}
	for _, i := range c.Identifiers {
		if i.LastSeen.After(m) {
			m = i.LastSeen
		}
	}
	return m
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// STIX returns a STIX 2.1 bundle: the installation's identity, a report
// for the case, an indicator per identifier STIX can express, a
// relationship from each indicator to the report, and the identifiers
// STIX has no object for (phone, IBAN, BIC, wallets, handles) in a
// property extension of the report, defined by an extension-definition
// object whose schema is published (ExtensionSchema). Every id is
// deterministic (ids), and so are the timestamps: a re-export of an
// unchanged case is the same bundle.
func STIX(c Case) ([]byte, error) {
	if c.Namespace == uuid.Nil {
		return nil, errNoNamespace
	}
	n := ids{c.Namespace}
	identityID := n.stix("identity", "installation")
	identity := map[string]any{"type": "identity", "spec_version": "2.1", "id": identityID, "created": stixTime(epoch), "modified": stixTime(epoch),
		"name": "Vigie", "identity_class": "organization"}
	extID := n.stix("extension-definition", "identifiers", extensionVersion)
	schema := "JSON schema export/stix-extension-identifiers.schema.json of the Vigie source, served by each installation at " + ExtensionSchemaPath
	if c.PublicURL != "" {
		schema = strings.TrimRight(c.PublicURL, "/") + ExtensionSchemaPath
	}
	extension := map[string]any{"type": "extension-definition", "spec_version": "2.1", "id": extID, "created": stixTime(epoch), "modified": stixTime(epoch),
		"created_by_ref": identityID, "name": "Vigie identifiers",
		"description": "Identifiers named in reports that STIX 2.1 has no object for (phone numbers, IBANs, BICs, cryptocurrency wallets, social network handles), added to the report of a case.",
		"schema":      schema, "version": extensionVersion, "extension_types": []string{"property-extension"}}
	reportCreated := c.Case.CreatedAt
	reportModified := later(modifiedAt(c), reportCreated)
	reportID := n.stix("report", c.Case.ID)
	objects := make([]any, 0, 3+2*len(c.Identifiers))
	objects = append(objects, identity, extension)
	refs := make([]string, 0, 1+2*len(c.Identifiers))
	rels := make([]any, 0, len(c.Identifiers))
	var others []map[string]any
	for _, i := range c.Identifiers {
		if i.Flagged != "" {
			continue // a warning-list value (a large platform) indicates nothing
		}
		pattern, ok := stixPattern(i)
		if !ok {
			others = append(others, map[string]any{"kind": string(i.Type), "value": i.Value, "reports_on_platform": i.Count,
				"first_seen": stixTime(i.FirstSeen), "last_seen": stixTime(later(i.LastSeen, i.FirstSeen))})
			continue
		}
		id := n.stix("indicator", string(i.Type), i.Value)
		created, modified := i.FirstSeen, later(i.LastSeen, i.FirstSeen)
		objects = append(objects, map[string]any{"type": "indicator", "spec_version": "2.1", "id": id, "created": stixTime(created), "modified": stixTime(modified),
			"created_by_ref": identityID, "name": string(i.Type) + " " + i.Value, "indicator_types": []string{"malicious-activity"},
			"pattern": pattern, "pattern_type": "stix", "valid_from": stixTime(i.FirstSeen)})
		refs = append(refs, id)
		relAt := stixTime(later(reportCreated, created))
		rels = append(rels, map[string]any{"type": "relationship", "spec_version": "2.1", "id": n.stix("relationship", id, "related-to", reportID),
			"created": relAt, "modified": relAt, "created_by_ref": identityID, "relationship_type": "related-to", "source_ref": id, "target_ref": reportID})
	}
	for _, r := range rels {
		refs = append(refs, r.(map[string]any)["id"].(string))
	}
	refs = append(refs, identityID)
	objects = append(objects, rels...)
	report := map[string]any{"type": "report", "spec_version": "2.1", "id": reportID, "created": stixTime(reportCreated), "modified": stixTime(reportModified),
		"created_by_ref": identityID, "name": c.Case.Title, "report_types": []string{"threat-report"},
		"published": stixTime(reportModified), "object_refs": refs}
	if c.Case.Summary != "" {
		report["description"] = c.Case.Summary
	}
	if c.Case.Category != "" {
		report["labels"] = []string{"vigie-category:" + c.Case.Category}
	}
	if len(others) > 0 {
		report["extensions"] = map[string]any{extID: map[string]any{"extension_type": "property-extension", "identifiers": others}}
	}
	objects = append(objects, report)
	return json.MarshalIndent(map[string]any{"type": "bundle", "id": n.stix("bundle", c.Case.ID), "objects": objects}, "", " ")
}

// mispType maps identifiers to MISP attribute types and categories (a
// pair the MISP core format allows).
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

// mispInfo is the event's info: one line of at most 256 characters, as
// the MISP core format asks.
func mispInfo(title string) string {
	s := strings.Join(strings.Fields(title), " ")
	if r := []rune(s); len(r) > 256 {
		s = string(r[:255]) + "…"
	}
	if s == "" {
		s = "Vigie case"
	}
	return s
}

// MISP returns a MISP event (the JSON MISP imports) with one attribute
// per identifier, carrying every field the MISP core format
// (draft-dulaunoy-misp-core-format) says MUST or SHALL be present. Its
// uuids are deterministic like STIX ids, and its timestamps are those of
// the case and its identifiers, so a re-export updates the same event.
// The instance-local numbers (id, org_id, event_id…) are "0": the
// importing instance gives its own.
func MISP(c Case) ([]byte, error) {
	if c.Namespace == uuid.Nil {
		return nil, errNoNamespace
	}
	n := ids{c.Namespace}
	eventUUID := n.uuid("misp-event", c.Case.ID)
	attrs := make([]map[string]any, 0, len(c.Identifiers))
	for _, i := range c.Identifiers {
		t, cat := mispType(i.Type)
		a := map[string]any{"id": "0", "event_id": "0", "uuid": n.uuid("misp-attribute", c.Case.ID, string(i.Type), i.Value),
			"type": t, "category": cat, "value": i.Value, "to_ids": i.Flagged == "",
			"distribution": "5", "sharing_group_id": "0", "deleted": false, "timestamp": mispTime(later(i.LastSeen, i.FirstSeen)),
			"comment": fmt.Sprintf("%s, seen in %d reports on the platform", i.Type, i.Count)}
		if !i.FirstSeen.IsZero() {
			a["first_seen"] = i.FirstSeen.UTC().Format(time.RFC3339)
			a["last_seen"] = later(i.LastSeen, i.FirstSeen).UTC().Format(time.RFC3339)
		}
		attrs = append(attrs, a)
	}
	threat := "3"
	switch c.Case.Priority {
	case "critical", "high":
		threat = "1"
	case "normal":
		threat = "2"
	}
	org := map[string]string{"id": "0", "name": "Vigie", "uuid": n.uuid("misp-organisation")}
	tags := []map[string]string{}
	if c.Case.Category != "" {
		tags = append(tags, map[string]string{"name": "vigie:category=\"" + c.Case.Category + "\""})
	}
	event := map[string]any{"id": "0", "uuid": eventUUID, "info": mispInfo(c.Case.Title), "date": c.Case.CreatedAt.UTC().Format(time.DateOnly),
		"published": false, "timestamp": mispTime(later(modifiedAt(c), c.Case.CreatedAt)), "publish_timestamp": "0", "first_publication": "0",
		"org_id": "0", "orgc_id": "0", "Org": org, "Orgc": org, "attribute_count": strconv.Itoa(len(attrs)),
		"threat_level_id": threat, "analysis": "1", "distribution": "0", "sharing_group_id": "0",
		"Attribute": attrs, "Tag": tags}
	return json.MarshalIndent(map[string]any{"Event": event}, "", " ")
}

// CSV returns the case's identifiers, one per line.
func CSV(c Case) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true // RFC 4180: records end with CRLF
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
