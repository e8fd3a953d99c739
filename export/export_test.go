package export

import (
	"encoding/csv"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/report"
)

func sample() Case {
	at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	info := func(t indicator.Type, v string) correlate.Info {
		return correlate.Info{Type: t, Value: v, Count: 3, FirstSeen: at, LastSeen: at.Add(time.Hour)}
	}
	return Case{
		Case: casefile.Case{ID: "0199-case", Title: "Faux conseiller bancaire", Category: "fraud.scam", LegalRefs: []string{"Code pénal art. 313-1"},
			Summary: "Escroquerie au faux conseiller.\nDeux victimes.", Priority: "high", CreatedAt: at},
		Reports: []report.Report{{ID: "r1", CreatedAt: at, Reporter: report.Reporter{Name: "Camille Durand", Email: "camille@example.fr"}},
			{ID: "r2", CreatedAt: at.Add(48 * time.Hour)}},
		Identifiers: []correlate.Info{
			info(indicator.URL, "https://faux-conseiller.example/o'brien?x=1"), info(indicator.Domain, "faux-conseiller.example"),
			info(indicator.IP, "198.51.100.7"), info(indicator.IP, "2001:db8::7"), info(indicator.Email, "conseiller@faux.example"),
			info(indicator.SHA256, strings.Repeat("ab", 32)), info(indicator.IBAN, "FR7630006000011234567890189"), info(indicator.Phone, "+33612345678"),
			{Type: indicator.Domain, Value: "t.me", Count: 9000, Flagged: "large platform", FirstSeen: at, LastSeen: at},
		},
		CategoryEN: "Scam", HostCountries: []string{"NL"}, Now: at.Add(72 * time.Hour),
		Namespace: InstallationNamespace([]byte("test installation")), PublicURL: "https://vigie.example.org/",
	}
}

var (
	stixIDRE   = regexp.MustCompile(`^([a-z][a-z0-9-]+)--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	stixTimeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$`)
)

// TestSTIXBundleIsValid checks the bundle against the STIX 2.1
// specification's rules: identifiers, timestamps, required properties per
// object type, and references that resolve within the bundle.
func TestSTIXBundleIsValid(t *testing.T) {
	b, err := STIX(sample())
	if err != nil {
		t.Fatal(err)
	}
	var bundle map[string]any
	if err := json.Unmarshal(b, &bundle); err != nil {
		t.Fatal(err)
	}
	if bundle["type"] != "bundle" || !stixIDRE.MatchString(bundle["id"].(string)) || !strings.HasPrefix(bundle["id"].(string), "bundle--") {
		t.Fatalf("bundle header: %v %v", bundle["type"], bundle["id"])
	}
	if _, has := bundle["spec_version"]; has {
		t.Error("a STIX 2.1 bundle carries no spec_version")
	}
	objects := bundle["objects"].([]any)
	ids := map[string]string{}
	for _, o := range objects {
		obj := o.(map[string]any)
		id, _ := obj["id"].(string)
		m := stixIDRE.FindStringSubmatch(id)
		if m == nil || m[1] != obj["type"] {
			t.Errorf("id %q does not match type %v", id, obj["type"])
		}
		if _, dup := ids[id]; dup {
			t.Errorf("id %s twice", id)
		}
		ids[id] = obj["type"].(string)
		if obj["spec_version"] != "2.1" {
			t.Errorf("%s: spec_version %v", id, obj["spec_version"])
		}
		for _, ts := range []string{"created", "modified"} {
			if v, _ := obj[ts].(string); !stixTimeRE.MatchString(v) {
				t.Errorf("%s: %s %q", id, ts, v)
			}
		}
		if obj["modified"].(string) < obj["created"].(string) {
			t.Errorf("%s: modified before created", id)
		}
		required := map[string][]string{
			"identity":             {"name", "identity_class"},
			"extension-definition": {"name", "schema", "version", "extension_types", "created_by_ref"},
			"indicator":            {"pattern", "pattern_type", "valid_from"},
			"report":               {"name", "published", "object_refs"},
			"relationship":         {"relationship_type", "source_ref", "target_ref"},
		}[obj["type"].(string)]
		if required == nil {
			t.Errorf("%s: unexpected type", id)
		}
		for _, p := range required {
			if v, ok := obj[p]; !ok || v == "" {
				t.Errorf("%s: missing %s", id, p)
			}
		}
		if obj["type"] == "indicator" {
			if p := obj["pattern"].(string); !stixPatternRE.MatchString(p) {
				t.Errorf("pattern %q is not one the STIX pattern grammar accepts", p)
			}
			if !stixTimeRE.MatchString(obj["valid_from"].(string)) {
				t.Errorf("valid_from %v", obj["valid_from"])
			}
		}
	}
	counts := map[string]int{}
	for _, typ := range ids {
		counts[typ]++
	}
	// Six identifiers STIX can express (the flagged platform domain is left
	// out; the IBAN and phone go in the extension).
	if counts["indicator"] != 6 || counts["relationship"] != 6 || counts["report"] != 1 || counts["identity"] != 1 || counts["extension-definition"] != 1 {
		t.Errorf("objects: %v", counts)
	}
	for _, o := range objects {
		obj := o.(map[string]any)
		var refs []string
		for k, v := range obj {
			if strings.HasSuffix(k, "_ref") {
				refs = append(refs, v.(string))
			}
			if k == "extensions" {
				for ext := range v.(map[string]any) {
					refs = append(refs, ext)
				}
			}
			if k == "object_refs" {
				for _, r := range v.([]any) {
					refs = append(refs, r.(string))
				}
			}
		}
		for _, r := range refs {
			if _, ok := ids[r]; !ok {
				t.Errorf("%s refers to %s, not in the bundle", obj["id"], r)
			}
		}
		if obj["type"] == "relationship" && (ids[obj["source_ref"].(string)] != "indicator" || ids[obj["target_ref"].(string)] != "report") {
			t.Errorf("relationship %v", obj)
		}
	}
	if strings.Contains(string(b), "Camille") {
		t.Error("the reporter's name is in the bundle")
	}
}

func TestMISPEvent(t *testing.T) {
	b, err := MISP(sample())
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Event struct {
			Info          string
			ThreatLevelID string `json:"threat_level_id"`
			Attribute     []struct {
				Type, Category, Value, UUID string
				ToIDs                       bool `json:"to_ids"`
			}
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	types := map[string]bool{}
	for _, a := range doc.Event.Attribute {
		types[a.Type] = true
		if a.UUID == "" || a.Category == "" || a.Value == "" {
			t.Errorf("attribute %+v", a)
		}
		if a.Value == "t.me" && a.ToIDs {
			t.Error("a flagged platform domain is marked for detection")
		}
	}
	for _, want := range []string{"url", "domain", "ip-dst", "email-src", "sha256", "iban", "phone-number"} {
		if !types[want] {
			t.Errorf("no %s attribute", want)
		}
	}
	if doc.Event.ThreatLevelID != "1" || strings.Contains(string(b), "Camille") {
		t.Errorf("event: threat %q", doc.Event.ThreatLevelID)
	}
}

func TestCSVAndSummary(t *testing.T) {
	c := sample()
	c.Identifiers = append(c.Identifiers, correlate.Info{Type: indicator.Handle, Value: "=HYPERLINK(\"x\")"})
	b, err := CSV(c)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil || len(rows) != 11 || rows[0][1] != "type" {
		t.Fatalf("csv: %d rows %v", len(rows), err)
	}
	if !strings.HasSuffix(string(b), "\r\n") || strings.Count(string(b), "\r\n") != 11 || strings.Count(string(b), "\n") != 11 {
		t.Errorf("records do not all end with CRLF (RFC 4180): %q", b)
	}
	if rows[10][2] != `'=HYPERLINK("x")` {
		t.Errorf("formula not neutralised: %q", rows[10][2])
	}
	s := string(Summary(sample()))
	for _, want := range []string{"Offence: Scam (fraud.scam)", "Legal basis (French law): Code pénal art. 313-1", "Reports: 2, received between 2026-11-20 and 2026-11-22",
		"Content hosted in: NL", "  Escroquerie au faux conseiller.\n  Deux victimes.", "iban: FR7630006000011234567890189"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "Camille") {
		t.Error("the reporter is named in the summary")
	}
}
