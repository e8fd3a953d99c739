package bank

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/contenthash"
)

var now = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

func sampleEntries() []Entry {
	return []Entry{
		{Hash: contenthash.Hash{Kind: contenthash.PDQ, Value: strings.Repeat("f0", 32)}, Label: "faux RIB, série 3", Category: "forged-document", AddedAt: now.Add(-time.Hour)},
		{Hash: contenthash.Hash{Kind: contenthash.MD5, Value: strings.Repeat("ab", 16)}, Label: `=HYPERLINK("x")`, AddedAt: now, WithdrawnAt: now.Add(time.Minute)},
		{Hash: contenthash.Hash{Kind: contenthash.SHA1, Value: strings.Repeat("01", 20)}, Category: "csam", AddedAt: now},
		{Hash: contenthash.Hash{Kind: contenthash.SHA256, Value: strings.Repeat("9a", 32)}, Label: "« guillemets » \"quoted\"", AddedAt: now},
	}
}

func TestCSVRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, sampleEntries()); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), ",=HYPERLINK") {
		t.Error("a label reads as a spreadsheet formula")
	}
	got, err := ReadCSV(&buf, now)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, sampleEntries()) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, sampleEntries())
	}
}

func TestJSONRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	b := Bank{Name: "partenaire", Source: "Hotline X", Negative: true}
	if err := WriteJSON(&buf, b, sampleEntries()); err != nil {
		t.Fatal(err)
	}
	imp, err := ReadFile(buf.Bytes(), now)
	if err != nil {
		t.Fatal(err)
	}
	if imp.Name != b.Name || imp.Source != b.Source || !imp.Negative || !reflect.DeepEqual(imp.Entries, sampleEntries()) {
		t.Errorf("round trip: %+v", imp)
	}
}

func TestReadCSVColumns(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     int
		bad      bool
	}{
		{"threatexchange columns", "signal_type,signal_value,category,tags\npdq," + strings.Repeat("0f", 32) + ",csam,a b\n", 1, false},
		{"columns in another order, extra ignored", "note,value,type\nx," + strings.Repeat("AB", 16) + ",MD5\n", 1, false},
		{"no value column", "type,label\nmd5,x\n", 0, true},
		{"bad hex", "type,value\nsha256,xyz\n", 0, true},
		{"unknown kind", "type,value\ncrc32,00000000\n", 0, true},
		{"bad date", "type,value,added_at\nmd5," + strings.Repeat("00", 16) + ",hier\n", 0, true},
		{"empty file", "", 0, false},
		{"blank lines", "type,value\n\nmd5," + strings.Repeat("00", 16) + "\n\n", 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadCSV(strings.NewReader(tc.in), now)
			if (err != nil) != tc.bad || len(got) != tc.want {
				t.Errorf("got %d entries, %v", len(got), err)
			}
		})
	}
}

func TestThreatExchangeAndSTIX(t *testing.T) {
	b := Bank{Name: "scams fr", Source: "Vigie"}
	var te bytes.Buffer
	if err := WriteThreatExchangeCSV(&te, b, sampleEntries()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(te.String()), "\r\n")               // RFC 4180 records
	if lines[0] != "signal_type,signal_value,category,tags" || len(lines) != 4 { // the withdrawn entry is left out
		t.Fatalf("te-csv:\n%s", te.String())
	}
	if !strings.HasPrefix(lines[1], "pdq,"+strings.Repeat("f0", 32)+",forged-document,") || !strings.HasSuffix(lines[1], "scams_fr\"") && !strings.HasSuffix(lines[1], "scams_fr") {
		t.Errorf("te-csv line: %s", lines[1])
	}
	// What it writes, ReadCSV reads back (other hotlines' files too).
	if got, err := ReadCSV(&te, now); err != nil || len(got) != 3 {
		t.Errorf("te-csv read back: %d %v", len(got), err)
	}
	var stix bytes.Buffer
	if err := WriteSTIX(&stix, b, sampleEntries(), now); err != nil {
		t.Fatal(err)
	}
	var bundle struct {
		Type    string `json:"type"`
		Objects []struct {
			Type        string            `json:"type"`
			ID          string            `json:"id"`
			SpecVersion string            `json:"spec_version"`
			Hashes      map[string]string `json:"hashes"`
			Refs        []string          `json:"object_refs"`
		} `json:"objects"`
	}
	if err := json.Unmarshal(stix.Bytes(), &bundle); err != nil || bundle.Type != "bundle" || len(bundle.Objects) != 4 {
		t.Fatalf("stix: %v\n%s", err, stix.String())
	}
	if g := bundle.Objects[0]; g.Type != "grouping" || len(g.Refs) != 3 {
		t.Errorf("grouping: %+v", g)
	}
	want := []string{"x_pdq", "SHA-1", "SHA-256"}
	for i, o := range bundle.Objects[1:] {
		if o.Type != "file" || o.SpecVersion != "2.1" || !strings.HasPrefix(o.ID, "file--") || len(o.Hashes) != 1 || o.Hashes[want[i]] == "" {
			t.Errorf("file %d: %+v", i, o)
		}
	}
	// Deterministic ids: the same hash gives the same observable.
	var again bytes.Buffer
	WriteSTIX(&again, b, sampleEntries(), now)
	if again.String() != stix.String() {
		t.Error("STIX ids are not deterministic")
	}
}

func FuzzReadCSV(f *testing.F) {
	var buf bytes.Buffer
	WriteCSV(&buf, sampleEntries())
	f.Add(buf.String())
	f.Add("signal_type,signal_value,category,tags\npdq," + strings.Repeat("0f", 32) + ",csam,a b\n")
	f.Add("type,value\n\"unterminated")
	f.Fuzz(func(t *testing.T, in string) {
		entries, err := ReadCSV(strings.NewReader(in), now)
		if err != nil {
			return
		}
		// Whatever is accepted is valid, and writes and reads back the same.
		for _, e := range entries {
			if _, err := contenthash.New(e.Hash.Kind, e.Hash.Value); err != nil || checkText(e.Label) != nil || checkText(e.Category) != nil {
				t.Fatalf("accepted an invalid entry %+v", e)
			}
		}
		var out bytes.Buffer
		if err := WriteCSV(&out, entries); err != nil {
			t.Fatal(err)
		}
		again, err := ReadCSV(&out, now)
		if err != nil || !reflect.DeepEqual(again, entries) && len(entries) > 0 {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, entries, again)
		}
	})
}

func FuzzReadJSON(f *testing.F) {
	var buf bytes.Buffer
	WriteJSON(&buf, Bank{Name: "n", Source: "s"}, sampleEntries())
	f.Add(buf.String())
	f.Add(`{"name":"x","entries":[{"type":"md5","value":"zz"}]}`)
	f.Fuzz(func(t *testing.T, in string) {
		imp, err := ReadJSON(strings.NewReader(in), now)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := WriteJSON(&out, Bank{Name: imp.Name, Source: imp.Source, Negative: imp.Negative}, imp.Entries); err != nil {
			t.Fatal(err)
		}
		again, err := ReadJSON(&out, now)
		if err != nil || !reflect.DeepEqual(again.Entries, imp.Entries) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func TestCSVQuoteRoundTrip(t *testing.T) {
	in := []Entry{{Hash: contenthash.Hash{Kind: contenthash.MD5, Value: strings.Repeat("00", 16)}, Label: "'=x", Category: "'a", AddedAt: now}}
	var buf bytes.Buffer
	WriteCSV(&buf, in)
	got, err := ReadCSV(&buf, now)
	if err != nil || !reflect.DeepEqual(got, in) {
		t.Errorf("got %+v %v", got, err)
	}
}
