package bank

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/vigie-platform/vigie/contenthash"
	"github.com/vigie-platform/vigie/problem"
)

// Formats a bank is written in. CSV and JSON are read back; te-csv (the
// columns of ThreatExchange's signal exchange) and STIX 2.1 are for other
// hotlines' tools. The te-csv columns are read too, so that a list made
// by such a tool imports as it is.
const (
	FormatCSV   = "csv"
	FormatJSON  = "json"
	FormatTE    = "te-csv"
	FormatSTIX  = "stix"
	maxFileSize = 256 << 20
)

// Formats lists the export formats.
var Formats = []string{FormatCSV, FormatJSON, FormatTE, FormatSTIX}

// csvColumns are the columns of Vigie's CSV, in order.
var csvColumns = []string{"type", "value", "label", "category", "added_at", "withdrawn_at"}

// badFile wraps a reading error as a problem the person can act on.
func badFile(format string, args ...any) error {
	return problem.New("bank.bad_file", fmt.Sprintf(format, args...))
}

// ReadCSV reads entries from CSV with a header row. Columns are found by
// name, in any order: type (or signal_type), value (or signal_value,
// signal), label (or tags), category, added_at, withdrawn_at (RFC 3339 or
// YYYY-MM-DD); only type and value are required. Unknown columns are
// ignored. now dates entries that have no added_at.
func ReadCSV(r io.Reader, now time.Time) ([]Entry, error) {
	cr := csv.NewReader(io.LimitReader(r, maxFileSize))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	if err != nil {
		return nil, badFile("header: %v", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch h {
		case "signal_type", "hash_type", "kind":
			h = "type"
		case "signal_value", "signal", "hash", "indicator":
			h = "value"
		case "tags":
			if _, ok := col["label"]; ok {
				continue
			}
			h = "label"
		}
		if _, dup := col[h]; !dup {
			col[h] = i
		}
	}
	if _, ok := col["type"]; !ok {
		return nil, badFile("no type column")
	}
	if _, ok := col["value"]; !ok {
		return nil, badFile("no value column")
	}
	field := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var out []Entry
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, badFile("line %d: %v", line, err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(out) == MaxImportEntries {
			return nil, problem.New("bank.too_many", MaxImportEntries)
		}
		e, err := entryOf(field(rec, "type"), field(rec, "value"), unsafeCell(field(rec, "label")), unsafeCell(field(rec, "category")),
			field(rec, "added_at"), field(rec, "withdrawn_at"), now)
		if err != nil {
			return nil, badFile("line %d: %v", line, err)
		}
		out = append(out, e)
	}
}

// entryOf checks one entry's fields.
func entryOf(kind, value, label, category, added, withdrawn string, now time.Time) (Entry, error) {
	k, err := contenthash.ParseKind(kind)
	if err != nil {
		return Entry{}, err
	}
	h, err := contenthash.New(k, value)
	if err != nil {
		return Entry{}, err
	}
	if err := checkText(label); err != nil {
		return Entry{}, errors.New("label: at most 200 printable characters")
	}
	if err := checkText(category); err != nil {
		return Entry{}, errors.New("category: at most 200 printable characters")
	}
	e := Entry{Hash: h, Label: label, Category: category, AddedAt: now.UTC().Truncate(time.Microsecond)}
	if added != "" {
		if e.AddedAt, err = parseDate(added); err != nil {
			return Entry{}, fmt.Errorf("added_at: %w", err)
		}
	}
	if withdrawn != "" {
		if e.WithdrawnAt, err = parseDate(withdrawn); err != nil {
			return Entry{}, fmt.Errorf("withdrawn_at: %w", err)
		}
	}
	return e, nil
}

func parseDate(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() < 1970 || t.Year() > 9999 {
				break
			}
			return t.UTC().Truncate(time.Microsecond), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (RFC 3339 or YYYY-MM-DD)", s)
}

func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// WriteCSV writes entries in Vigie's CSV (csvColumns), which ReadCSV reads back.
func WriteCSV(w io.Writer, entries []Entry) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // RFC 4180
	cw.Write(csvColumns)
	for _, e := range entries {
		cw.Write([]string{string(e.Hash.Kind), e.Hash.Value, safeCell(e.Label), safeCell(e.Category), formatDate(e.AddedAt), formatDate(e.WithdrawnAt)})
	}
	cw.Flush()
	return cw.Error()
}

// safeCell keeps a spreadsheet from reading a label as a formula: labels
// may come from another organisation's list.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@'", rune(s[0])) {
		return "'" + s
	}
	return s
}

// unsafeCell undoes safeCell, so that a CSV export reads back as it was.
func unsafeCell(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@'", rune(s[1])) {
		return s[1:]
	}
	return s
}

// jsonBank is the JSON form of a bank.
type jsonBank struct {
	Name     string      `json:"name"`
	Source   string      `json:"source"`
	Negative bool        `json:"negative"`
	Entries  []jsonEntry `json:"entries"`
}

type jsonEntry struct {
	Type        string `json:"type"`
	Value       string `json:"value"`
	Label       string `json:"label,omitempty"`
	Category    string `json:"category,omitempty"`
	AddedAt     string `json:"added_at,omitempty"`
	WithdrawnAt string `json:"withdrawn_at,omitempty"`
}

// ReadJSON reads a bank in Vigie's JSON form: {"name", "source",
// "negative", "entries": [{"type", "value", "label", "category",
// "added_at", "withdrawn_at"}]}.
func ReadJSON(r io.Reader, now time.Time) (Import, error) {
	var jb jsonBank
	dec := json.NewDecoder(io.LimitReader(r, maxFileSize))
	if err := dec.Decode(&jb); err != nil {
		return Import{}, badFile("%v", err)
	}
	if len(jb.Entries) > MaxImportEntries {
		return Import{}, problem.New("bank.too_many", MaxImportEntries)
	}
	imp := Import{Name: strings.TrimSpace(jb.Name), Source: jb.Source, Negative: jb.Negative}
	if err := checkText(imp.Source); err != nil {
		return Import{}, badFile("source: at most 200 printable characters")
	}
	for i, je := range jb.Entries {
		e, err := entryOf(je.Type, je.Value, je.Label, je.Category, je.AddedAt, je.WithdrawnAt, now)
		if err != nil {
			return Import{}, badFile("entry %d: %v", i+1, err)
		}
		imp.Entries = append(imp.Entries, e)
	}
	return imp, nil
}

// WriteJSON writes a bank in the form ReadJSON reads.
func WriteJSON(w io.Writer, b Bank, entries []Entry) error {
	jb := jsonBank{Name: b.Name, Source: b.Source, Negative: b.Negative, Entries: make([]jsonEntry, len(entries))}
	for i, e := range entries {
		jb.Entries[i] = jsonEntry{Type: string(e.Hash.Kind), Value: e.Hash.Value, Label: e.Label, Category: e.Category,
			AddedAt: formatDate(e.AddedAt), WithdrawnAt: formatDate(e.WithdrawnAt)}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(jb)
}

// WriteThreatExchangeCSV writes the live entries with the columns of
// ThreatExchange's signal exchange: signal_type, signal_value, category,
// tags. The tags are the label's words and the bank's name, space-separated
// as ThreatExchange writes them (a word of the label with a space is cut).
func WriteThreatExchangeCSV(w io.Writer, b Bank, entries []Entry) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // RFC 4180
	cw.Write([]string{"signal_type", "signal_value", "category", "tags"})
	for _, e := range entries {
		if !e.Live() {
			continue
		}
		tags := strings.Fields(e.Label)
		tags = append(tags, strings.ReplaceAll(b.Name, " ", "_"))
		cw.Write([]string{string(e.Hash.Kind), e.Hash.Value, safeCell(e.Category), safeCell(strings.Join(tags, " "))})
	}
	cw.Flush()
	return cw.Error()
}

// stixHashKeys are the STIX 2.1 hash-algorithm-ov names; PDQ has none, so
// it goes under a custom key (x_ prefix, as the specification asks).
var stixHashKeys = map[contenthash.Kind]string{
	contenthash.MD5: "MD5", contenthash.SHA1: "SHA-1", contenthash.SHA256: "SHA-256", contenthash.PDQ: "x_pdq",
}

// stixNamespace is the namespace STIX 2.1 gives for the deterministic ids
// of cyber-observable objects (UUIDv5 over their contributing properties).
var stixNamespace = uuid.MustParse("00abedb4-aa42-466c-9c01-fed23315a9b7")

// WriteSTIX writes the live entries as a STIX 2.1 bundle of file
// observables, one per entry, each with its hash; the label and category
// go in custom properties, the bank in a grouping that names them all.
func WriteSTIX(w io.Writer, b Bank, entries []Entry, now time.Time) error {
	type file struct {
		Type        string            `json:"type"`
		SpecVersion string            `json:"spec_version"`
		ID          string            `json:"id"`
		Hashes      map[string]string `json:"hashes"`
		Label       string            `json:"x_vigie_label,omitempty"`
		Category    string            `json:"x_vigie_category,omitempty"`
	}
	var objects []any
	var refs []string
	for _, e := range entries {
		if !e.Live() {
			continue
		}
		hashes := map[string]string{stixHashKeys[e.Hash.Kind]: e.Hash.Value}
		contrib, _ := json.Marshal(map[string]any{"hashes": hashes})
		id := "file--" + uuid.NewSHA1(stixNamespace, contrib).String()
		objects = append(objects, file{Type: "file", SpecVersion: "2.1", ID: id, Hashes: hashes, Label: e.Label, Category: e.Category})
		refs = append(refs, id)
	}
	ts := now.UTC().Format("2006-01-02T15:04:05.000Z")
	sum := sha256.Sum256([]byte("vigie-bank:" + b.Name))
	if len(refs) > 0 {
		objects = append([]any{map[string]any{
			"type": "grouping", "spec_version": "2.1", "id": "grouping--" + uuid.NewSHA1(stixNamespace, sum[:]).String(),
			"created": ts, "modified": ts, "name": b.Name, "description": b.Source, "context": "suspicious-activity",
			"object_refs": refs,
		}}, objects...)
	}
	bundle := map[string]any{"type": "bundle", "id": "bundle--" + uuid.NewSHA1(stixNamespace, []byte(hex.EncodeToString(sum[:])+ts)).String(), "objects": objects}
	if objects == nil {
		bundle["objects"] = []any{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(bundle)
}

// Export writes a bank's entries in a format (Formats).
func Export(w io.Writer, format string, b Bank, entries []Entry, now time.Time) error {
	switch format {
	case FormatCSV:
		return WriteCSV(w, entries)
	case FormatJSON:
		return WriteJSON(w, b, entries)
	case FormatTE:
		return WriteThreatExchangeCSV(w, b, entries)
	case FormatSTIX:
		return WriteSTIX(w, b, entries, now)
	}
	return problem.New("bank.bad_format", format)
}

// ContentType and file extension of each export format.
func ContentType(format string) (mime, ext string) {
	switch format {
	case FormatJSON:
		return "application/json", "json"
	case FormatSTIX:
		return "application/stix+json;version=2.1", "stix.json"
	case FormatTE:
		return "text/csv; charset=utf-8", "te.csv"
	}
	return "text/csv; charset=utf-8", "csv"
}

// ReadFile reads an import: JSON when it starts with "{" (its name,
// source and sign then come from the file unless given), CSV otherwise.
func ReadFile(content []byte, now time.Time) (Import, error) {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(content, []byte("\ufeff")), " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		return ReadJSON(bytes.NewReader(trimmed), now)
	}
	entries, err := ReadCSV(bytes.NewReader(content), now)
	return Import{Entries: entries}, err
}

// dedupe keeps the last of entries with the same hash, in first-seen order.
func dedupe(entries []Entry) []Entry {
	at := map[contenthash.Hash]int{}
	var out []Entry
	for _, e := range entries {
		if i, ok := at[e.Hash]; ok {
			out[i] = e
			continue
		}
		at[e.Hash] = len(out)
		out = append(out, e)
	}
	return slices.Clip(out)
}
