package export

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/indicator"
)

// The STIX pattern grammar (testdata/oasis-stix2.1/pattern_grammar), for
// the comparison expressions Vigie writes: '[' objectType ':'
// firstPathComponent ('.' (IdentifierWithoutHyphen|StringLiteral))* EQ
// StringLiteral ']'. TestPatternGrammarRules checks that the token rules
// transcribed here are the grammar's.
var stixPatternRE = func() *regexp.Regexp {
	const (
		ws      = `[ \t\r\n]*`
		ident   = `[a-zA-Z_][a-zA-Z0-9_]*`
		identH  = `[a-zA-Z_][a-zA-Z0-9_-]*`
		literal = `'(?:[^'\\]|\\'|\\\\)*'`
	)
	path := `(?:` + ident + `|` + identH + `):(?:` + ident + `|` + literal + `)(?:\.(?:` + ident + `|` + literal + `))*`
	return regexp.MustCompile(`^\[` + ws + path + ws + `(?:=|==)` + ws + literal + ws + `\]$`)
}()

func TestPatternGrammarRules(t *testing.T) {
	g, err := os.ReadFile("testdata/oasis-stix2.1/pattern_grammar/STIXPattern.g4")
	if err != nil {
		t.Fatal(err)
	}
	grammar := strings.Join(strings.Fields(string(g)), " ")
	for _, rule := range []string{
		`StringLiteral : QUOTE ( ~['\\] | '\\\'' | '\\\\' )* QUOTE ;`,
		`IdentifierWithoutHyphen : [a-zA-Z_] [a-zA-Z0-9_]* ;`,
		`IdentifierWithHyphen : [a-zA-Z_] [a-zA-Z0-9_-]* ;`,
		`objectPath : objectType COLON firstPathComponent objectPathComponent? ;`,
		`firstPathComponent : IdentifierWithoutHyphen | StringLiteral ;`,
		`EQ : '=' | '==';`,
	} {
		if !strings.Contains(grammar, rule) {
			t.Errorf("the grammar no longer has %s", rule)
		}
	}
}

// rfc3986 is the URI rule of RFC 3986 appendix A (with the relative
// reference), transcribed as a regular expression.
var rfc3986 = func() *regexp.Regexp {
	const (
		pct        = `%[0-9A-Fa-f]{2}`
		unreserved = `[A-Za-z0-9._~-]`
		sub        = `[!$&'()*+,;=]`
	)
	pchar := `(?:` + unreserved + `|` + pct + `|` + sub + `|[:@])`
	userinfo := `(?:` + unreserved + `|` + pct + `|` + sub + `|:)*`
	host := `(?:\[(?:[0-9A-Fa-f:.]+|[vV][0-9A-Fa-f]+\.(?:` + unreserved + `|` + sub + `|:)+)\]|(?:` + unreserved + `|` + pct + `|` + sub + `)*)`
	authority := `(?:` + userinfo + `@)?` + host + `(?::[0-9]*)?`
	segment := pchar + `*`
	segmentNZ := pchar + `+`
	segmentNZNC := `(?:` + unreserved + `|` + pct + `|` + sub + `|@)+`
	tail := `(?:\?(?:` + pchar + `|[/?])*)?(?:#(?:` + pchar + `|[/?])*)?`
	hier := `(?://` + authority + `(?:/` + segment + `)*|/(?:` + segmentNZ + `(?:/` + segment + `)*)?|` + segmentNZ + `(?:/` + segment + `)*|)`
	relative := `(?://` + authority + `(?:/` + segment + `)*|/(?:` + segmentNZ + `(?:/` + segment + `)*)?|` + segmentNZNC + `(?:/` + segment + `)*|)`
	return regexp.MustCompile(`^(?:[A-Za-z][A-Za-z0-9+.-]*:` + hier + tail + `|` + relative + tail + `)$`)
}()

func TestURIPercentEncodes(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`https://faux.example/a\b"c`, `https://faux.example/a%5Cb%22c`},
		{`https://faux.example/o'brien?x=1`, `https://faux.example/o'brien?x=1`},
		{`HTTPS://Faux.Example:8443/p a/é?q=<x>&r={y}#frag#ment`, `https://faux.example:8443/p%20a/%C3%A9?q=%3Cx%3E&r=%7By%7D#frag%23ment`},
		{`https://faux.example/100%/ok%2f`, `https://faux.example/100%25/ok%2F`},
		{`https://user:p^w@[2001:db8::7]:80/x[1]`, `https://user:p%5Ew@[2001:db8::7]:80/x%5B1%5D`},
		{`https://faux.example|evil/`, `https://faux.example%7Cevil/`},
		{`faux.example/a b`, `faux.example/a%20b`},
		{`a:b/c`, `a:b/c`},
		{`1a:b/c`, `1a%3Ab/c`},
	} {
		got := URI(c.in)
		if got != c.want {
			t.Errorf("URI(%q) = %q, want %q", c.in, got, c.want)
		}
		if !rfc3986.MatchString(got) {
			t.Errorf("URI(%q) = %q is not an RFC 3986 URI reference", c.in, got)
		}
	}
}

// FuzzURI: whatever was reported, the value is an RFC 3986 URI reference,
// encoding it again changes nothing, and (when the input held no "%",
// which is kept when it starts a valid triplet) decoding gives back what
// was reported, up to the case of the scheme and host.
func FuzzURI(f *testing.F) {
	for _, s := range []string{`https://faux.example/a\b"c`, "http://[::1]:8080/x?y#z", "//host/p", "a:b", "%zz", "https://é.example/é", "?#", "x@y:z/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := URI(in)
		if !rfc3986.MatchString(out) {
			t.Fatalf("URI(%q) = %q is not an RFC 3986 URI reference", in, out)
		}
		if again := URI(out); again != out {
			t.Fatalf("URI is not idempotent: %q -> %q -> %q", in, out, again)
		}
		if !strings.Contains(in, "%") {
			back, err := url.PathUnescape(out)
			if err != nil || !strings.EqualFold(back, in) {
				t.Fatalf("URI(%q) = %q decodes to %q (%v)", in, out, back, err)
			}
		}
	})
}

func TestSTIXURLValueIsPercentEncoded(t *testing.T) {
	c := sample()
	c.Identifiers = []correlate.Info{{Type: indicator.URL, Value: `https://faux.example/a\b"c d`, FirstSeen: c.Case.CreatedAt}}
	b, err := STIX(c)
	if err != nil {
		t.Fatal(err)
	}
	var bundle struct{ Objects []map[string]any }
	json.Unmarshal(b, &bundle)
	found := false
	for _, o := range bundle.Objects {
		if o["type"] == "indicator" {
			found = true
			if p := o["pattern"]; p != `[url:value = 'https://faux.example/a%5Cb%22c%20d']` {
				t.Errorf("pattern %v", p)
			}
		}
	}
	if !found {
		t.Fatal("no indicator")
	}
}

// TestExportIDsAreDeterministic: two downloads of the same case give the
// same bundle and event; another installation gives other ids; another
// case shares the indicators but not the report.
func TestExportIDsAreDeterministic(t *testing.T) {
	c := sample()
	for name, export := range map[string]func(Case) ([]byte, error){"stix": STIX, "misp": MISP} {
		a, err := export(c)
		if err != nil {
			t.Fatal(err)
		}
		later := c
		later.Now = c.Now.Add(36 * time.Hour)
		b, _ := export(later)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two downloads of an unchanged case differ", name)
		}
		other := c
		other.Namespace = InstallationNamespace([]byte("another installation"))
		o, _ := export(other)
		if shared := sharedUUIDs(a, o); len(shared) > 0 {
			t.Errorf("%s: two installations share ids %v", name, shared)
		}
		none := c
		none.Namespace = uuid.Nil
		if _, err := export(none); err == nil {
			t.Errorf("%s: exported without an installation namespace", name)
		}
	}
	a, _ := STIX(c)
	second := c
	second.Case.ID = "0199-other-case"
	b, _ := STIX(second)
	ind := regexp.MustCompile(`indicator--[0-9a-f-]{36}`)
	if x, y := ind.FindAllString(string(a), -1), ind.FindAllString(string(b), -1); len(x) == 0 || strings.Join(x, ",") != strings.Join(y, ",") {
		t.Errorf("the same identifiers in two cases have different indicator ids")
	}
	rep := regexp.MustCompile(`report--[0-9a-f-]{36}`)
	if rep.FindString(string(a)) == rep.FindString(string(b)) {
		t.Error("two cases have the same report id")
	}
}

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

func sharedUUIDs(a, b []byte) []string {
	seen := map[string]bool{}
	for _, u := range uuidRE.FindAllString(string(a), -1) {
		seen[u] = true
	}
	var shared []string
	for _, u := range uuidRE.FindAllString(string(b), -1) {
		if seen[u] {
			shared = append(shared, u)
		}
	}
	return shared
}

// TestSTIXExtensionCarriesTheRest: identifiers STIX has no object for
// leave in the report's property extension, defined in the bundle with
// the published schema's URL, and every kind the indicator package knows
// is either an indicator or named by the schema.
func TestSTIXExtensionCarriesTheRest(t *testing.T) {
	c := sample()
	at := c.Case.CreatedAt
	for _, typ := range []indicator.Type{indicator.BIC, indicator.BTC, indicator.ETH, indicator.TRX, indicator.Handle} {
		c.Identifiers = append(c.Identifiers, correlate.Info{Type: typ, Value: "v-" + string(typ), Count: 1, FirstSeen: at, LastSeen: at})
	}
	b, err := STIX(c)
	if err != nil {
		t.Fatal(err)
	}
	var bundle struct{ Objects []map[string]any }
	json.Unmarshal(b, &bundle)
	var extID string
	var carried []any
	for _, o := range bundle.Objects {
		switch o["type"] {
		case "extension-definition":
			extID = o["id"].(string)
			if o["schema"] != "https://vigie.example.org"+ExtensionSchemaPath || o["extension_types"].([]any)[0] != "property-extension" {
				t.Errorf("extension definition %v", o)
			}
		case "report":
			ext, _ := o["extensions"].(map[string]any)[extID].(map[string]any)
			if ext == nil || ext["extension_type"] != "property-extension" {
				t.Fatalf("report extensions %v", o["extensions"])
			}
			carried = ext["identifiers"].([]any)
		}
	}
	kinds := map[string]string{}
	for _, i := range carried {
		m := i.(map[string]any)
		kinds[m["kind"].(string)] = m["value"].(string)
	}
	for _, want := range []string{"iban", "phone", "bic", "btc", "eth", "trx", "handle"} {
		if kinds[want] == "" {
			t.Errorf("%s is not in the extension: %v", want, kinds)
		}
	}
	var schema struct {
		Properties struct {
			Identifiers struct {
				Items struct {
					Properties struct {
						Kind struct{ Enum []string }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(ExtensionSchema, &schema); err != nil {
		t.Fatal(err)
	}
	onDisk, err := os.ReadFile("stix-extension-identifiers.schema.json")
	if err != nil || !bytes.Equal(onDisk, ExtensionSchema) {
		t.Error("the served schema is not the repository's file")
	}
	named := strings.Join(schema.Properties.Identifiers.Items.Properties.Kind.Enum, ",")
	for _, typ := range indicator.Types {
		if _, ok := stixPattern(correlate.Info{Type: typ, Value: "x"}); !ok && !strings.Contains(","+named+",", ","+string(typ)+",") {
			t.Errorf("%s has neither a STIX object nor a place in the extension's schema", typ)
		}
	}
}

// TestMISPFormatFields: the fields the MISP core format says MUST (or
// SHALL) be present, a valid category for each type, an empty list and no
// empty tag for a bare case.
func TestMISPFormatFields(t *testing.T) {
	// Category-type pairs from the MISP core format's list, for the types
	// Vigie writes.
	valid := map[string][]string{
		"Network activity": {"url", "domain", "ip-dst", "email-src", "text"},
		"Payload delivery": {"sha256", "email-src", "url", "domain", "ip-dst", "text"},
		"Financial fraud":  {"iban", "bic", "btc", "phone-number", "text"},
		"Social network":   {"text", "email-src"},
		"Other":            {"text", "phone-number"},
	}
	check := func(t *testing.T, b []byte) map[string]any {
		var doc map[string]map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		ev := doc["Event"]
		for _, k := range []string{"uuid", "id", "published", "info", "threat_level_id", "analysis", "date", "timestamp", "publish_timestamp",
			"first_publication", "org_id", "orgc_id", "attribute_count", "distribution", "sharing_group_id", "Org", "Orgc", "Attribute", "Tag"} {
			if v, ok := ev[k]; !ok || v == nil {
				t.Errorf("event lacks %s", k)
			}
		}
		if _, ok := ev["published"].(bool); !ok {
			t.Errorf("published %v is not a boolean", ev["published"])
		}
		if _, err := uuid.Parse(ev["uuid"].(string)); err != nil {
			t.Error(err)
		}
		if !regexp.MustCompile(`^\d+$`).MatchString(ev["timestamp"].(string)) || !regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`).MatchString(ev["date"].(string)) {
			t.Errorf("timestamp %v date %v", ev["timestamp"], ev["date"])
		}
		for _, o := range []string{"Org", "Orgc"} {
			org := ev[o].(map[string]any)
			if org["uuid"] == "" || org["name"] == "" || org["id"] == nil {
				t.Errorf("%s %v", o, org)
			}
		}
		for _, a := range ev["Attribute"].([]any) {
			attr := a.(map[string]any)
			for _, k := range []string{"uuid", "id", "event_id", "type", "category", "to_ids", "distribution", "timestamp", "deleted", "value", "sharing_group_id"} {
				if v, ok := attr[k]; !ok || v == nil || v == "" {
					t.Errorf("attribute %v lacks %s", attr["value"], k)
				}
			}
			ok := false
			for _, typ := range valid[attr["category"].(string)] {
				ok = ok || typ == attr["type"]
			}
			if !ok {
				t.Errorf("type %v is not valid in category %v", attr["type"], attr["category"])
			}
		}
		return ev
	}
	ev := check(t, must(MISP(sample())))
	if ev["attribute_count"] != "9" || len(ev["Attribute"].([]any)) != 9 {
		t.Errorf("attribute_count %v", ev["attribute_count"])
	}

	bare := sample()
	bare.Identifiers = nil
	bare.Case.Category = ""
	b := must(MISP(bare))
	ev = check(t, b)
	if attrs, ok := ev["Attribute"].([]any); !ok || len(attrs) != 0 {
		t.Errorf(`a case without identifiers: "Attribute": %v`, ev["Attribute"])
	}
	if bytes.Contains(b, []byte("null")) || bytes.Contains(b, []byte(`category=\"\"`)) {
		t.Errorf("bare case:\n%s", b)
	}
	if tags := ev["Tag"].([]any); len(tags) != 0 {
		t.Errorf("an unqualified case is tagged %v", tags)
	}
	long := sample()
	long.Case.Title = strings.Repeat("Faux conseiller\n", 40)
	if info := check(t, must(MISP(long)))["info"].(string); len([]rune(info)) > 256 || strings.Contains(info, "\n") {
		t.Errorf("info %q", info)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// An unqualified case carries no empty STIX label either.
func TestSTIXUnqualifiedCase(t *testing.T) {
	c := sample()
	c.Case = casefile.Case{ID: "0199-bare", Title: "Sans catégorie", CreatedAt: c.Case.CreatedAt}
	c.Identifiers = nil
	b := must(STIX(c))
	if bytes.Contains(b, []byte(`vigie-category:"`)) || bytes.Contains(b, []byte(`"description": ""`)) || bytes.Contains(b, []byte("null")) {
		t.Errorf("bare case:\n%s", b)
	}
}

// TestEveryCSVWriterUsesCRLF: each file of the module that makes a
// csv.Writer sets UseCRLF as often as it makes one, so that every CSV the
// project writes ends its records with CRLF (RFC 4180).
func TestEveryCSVWriterUsesCRLF(t *testing.T) {
	found := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && path != "..") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		writers := strings.Count(string(src), "csv.NewWriter(")
		found += writers
		if crlf := strings.Count(string(src), ".UseCRLF = true"); crlf < writers {
			t.Errorf("%s makes %d CSV writers and sets UseCRLF on %d", path, writers, crlf)
		}
		return nil
	})
	if err != nil || found < 3 {
		t.Fatalf("walked the module: %v, %d CSV writers found", err, found)
	}
}
