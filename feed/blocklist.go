package feed

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/csv"
	"fmt"
	"hash/crc64"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/export"
)

// Formats of the blocklist.
const (
	FormatRPZ  = "rpz"
	FormatText = "txt"
	FormatCSV  = "csv"
)

// Formats lists them, with their media types.
var Formats = map[string]string{
	FormatRPZ:  "text/dns; charset=us-ascii", // RFC 4027: a zone file
	FormatText: "text/plain; charset=utf-8",
	FormatCSV:  "text/csv; charset=utf-8; header=present",
}

// Options are the blocklist's settings.
type Options struct {
	// Grace is how long an entry stays after its content was confirmed
	// gone (serve --feed-grace).
	Grace time.Duration
	// Zone is the RPZ zone's name, absolute ("rpz.vigie.example.").
	Zone string
	// Shared tells shared host names, which the RPZ does not list.
	Shared Shared
	// TTL of the zone's records, in seconds (0: 300).
	TTL int
}

// rpzName is the entry's name in the zone: computed once when the cache
// loads it (Entry.name), else now.
func (o Options) rpzName(e *Entry) string {
	if e.named {
		return e.name
	}
	return RPZName(e.Domain, o.Shared)
}

// textLine is the entry's URL as the text and CSV feeds write it.
func textLine(e *Entry) string {
	if e.named {
		return e.line
	}
	return TextLine(e.URL)
}

// DefaultZone is the RPZ zone's name when none is given.
const DefaultZone = "rpz.vigie."

func (o Options) zone() string {
	z := strings.ToLower(strings.TrimSpace(o.Zone))
	if z == "" || z == "." {
		return DefaultZone
	}
	if !strings.HasSuffix(z, ".") {
		z += "."
	}
	return z
}

// Generated is one generated feed: its body, the serial of its content
// and its entry count, with what the generation learned of time.
type Generated struct {
	Body    []byte
	Serial  uint32
	Entries int // live requests served
	Names   int // names listed in the RPZ (each with its wildcard)
	// Digest is a checksum of the content (CRC-64: the ETag and the
	// serial's change detection need no more, and it keeps up with a
	// zone of a million names).
	Digest [8]byte
	// headerLen is the RPZ header's length in Body (Reserial replaces it).
	headerLen int
	// LastChange is the latest event (approval, content gone, expiry)
	// that made the content what it is; it seeds the serial.
	LastChange time.Time
	// Newest is the latest approval served.
	Newest time.Time
	// NextExpiry is when an entry served now will expire (zero: none is
	// gone), after which the feed must be generated again even if the
	// database did not change.
	NextExpiry time.Time
}

var crcTable = crc64.MakeTable(crc64.ECMA)

// body is the writer of the body.
type body struct{ w *bufio.Writer }

func (b *body) Write(p []byte) (int, error) { return b.w.Write(p) }

// walk streams the live entries of the store to fn and returns what it
// learned of time.
func walk(each Each, now time.Time, grace time.Duration, newestOut *time.Time, fn func(*Entry) error) (n int, lastChange, nextExpiry time.Time, err error) {
	var newest time.Time
	defer func() { *newestOut = newest }()
	err = each(func(e *Entry) error {
		if e.ApprovedAt.After(lastChange) {
			lastChange = e.ApprovedAt
		}
		if e.ApprovedAt.After(newest) {
			newest = e.ApprovedAt
		}
		if !e.GoneSince.IsZero() {
			expiry := e.GoneSince.Add(grace)
			if !expiry.After(now) {
				if expiry.After(lastChange) {
					lastChange = expiry
				}
				return nil
			}
			if e.GoneSince.After(lastChange) {
				lastChange = e.GoneSince
			}
			if nextExpiry.IsZero() || expiry.Before(nextExpiry) {
				nextExpiry = expiry
			}
		}
		n++
		return fn(e)
	})
	return n, lastChange, nextExpiry, err
}

// Each calls fn for every approved request, stopping at its first error.
// Entries go by pointer: a million copies of them cost more than the
// zone's writing.
type Each func(fn func(*Entry) error) error

// Generate writes the blocklist in format from the store's approved
// requests live at now, read from the database in its order.
func Generate(ctx context.Context, s Store, format string, now time.Time, o Options) (Generated, error) {
	return GenerateFrom(func(fn func(*Entry) error) error {
		return s.ApprovedBlocking(ctx, func(e Entry) error { return fn(&e) })
	}, format, now, o)
}

// GenerateFrom writes the blocklist in format from the approved requests
// each gives, keeping those live at now, in the order given: given the
// same order (Cache's: approval, then id), every instance writes the same
// bytes.
func GenerateFrom(each Each, format string, now time.Time, o Options) (Generated, error) {
	return generate(each, 0, 0, format, now, o)
}

// generate is GenerateFrom knowing about how many entries come (0: not
// known), to size the buffer once.
func generate(each Each, count, names int, format string, now time.Time, o Options) (Generated, error) {
	var out bytes.Buffer
	out.Grow(count * 80)
	b := &body{w: bufio.NewWriterSize(&out, 1<<16)}
	var g Generated
	var err error
	switch format {
	case FormatRPZ:
		var rz *rpzWriter
		rz, err = newRPZWriter(b.w, count, names)
		if err == nil {
			g.Entries, g.LastChange, g.NextExpiry, err = walk(each, now, o.Grace, &g.Newest, func(e *Entry) error {
				return rz.add(e, &o)
			})
		}
		if rz != nil {
			g.Names = rz.n
		}
	case FormatText:
		seen, seenIdx := map[string]bool{}, make([]bool, names+1)
		g.Entries, g.LastChange, g.NextExpiry, err = walk(each, now, o.Grace, &g.Newest, func(e *Entry) error {
			b.w.WriteString(textLine(e))
			b.w.WriteByte('\n')
			if e.nameIdx > 0 && int(e.nameIdx) < len(seenIdx) {
				if seenIdx[e.nameIdx] {
					return nil
				}
				seenIdx[e.nameIdx] = true
			} else if name := o.rpzName(e); name == "" || seen[name] {
				return nil
			} else {
				seen[name] = true
			}
			b.w.WriteString(o.rpzName(e))
			return b.w.WriteByte('\n')
		})
	case FormatCSV:
		w := csv.NewWriter(b)
		w.UseCRLF = true
		w.Write([]string{"url", "domain", "category", "approved_at", "gone_since", "rpz_name"})
		g.Entries, g.LastChange, g.NextExpiry, err = walk(each, now, o.Grace, &g.Newest, func(e *Entry) error {
			gone := ""
			if !e.GoneSince.IsZero() {
				gone = e.GoneSince.UTC().Format(time.RFC3339)
			}
			return w.Write([]string{cell(textLine(e)), cell(printable(e.Domain)), cell(printable(e.Category)), e.ApprovedAt.UTC().Format(time.RFC3339), gone, o.rpzName(e)})
		})
		if err == nil {
			w.Flush()
			err = w.Error()
		}
	default:
		return g, fmt.Errorf("feed: unknown format %q", format)
	}
	if err == nil {
		err = b.w.Flush()
	}
	if err != nil {
		return Generated{}, fmt.Errorf("generate %s blocklist: %w", format, err)
	}
	binary.BigEndian.PutUint64(g.Digest[:], crc64.Checksum(out.Bytes(), crcTable))
	g.Serial = serialOf(g.LastChange)
	if format == FormatRPZ {
		// The header carries the serial, known once the rows are read.
		h := RPZHeader(o.zone(), g.Serial, o.TTL)
		g.headerLen = len(h)
		g.Body = append(append(make([]byte, 0, len(h)+out.Len()), h...), out.Bytes()...)
	} else {
		g.Body = out.Bytes()
	}
	return g, nil
}

// TextLine is a URL as the text and CSV feeds write it: percent-encoded
// to RFC 3986 (export.URI), so that no control character, space or line
// break written by an attacker survives into a line.
func TextLine(u string) string { return export.URI(strings.TrimSpace(u)) }

// printable percent-encodes control characters and "%", so that no value
// breaks a record across lines for consumers that split on line ends.
func printable(v string) string {
	if !strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '%' }) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c == 0x7f || c == '%' {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// cell keeps a spreadsheet from reading a value as a formula.
func cell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// serialOf is the SOA serial of a content whose last change was at t: its
// Unix time in seconds, which only grows with time and is the same on
// every instance reading the same rows (RFC 1982 arithmetic holds until
// 2106).
func serialOf(t time.Time) uint32 {
	if t.IsZero() {
		return 1
	}
	return uint32(t.Unix())
}

// rpzWriter writes the records of an RPZ zone whose header (SOA and NS)
// is written by the caller in front of them.
type rpzWriter struct {
	w       *bufio.Writer
	seen    map[string]bool // names without a number
	seenIdx []bool          // by Entry.nameIdx
	n       int
}

func newRPZWriter(w *bufio.Writer, count, names int) (*rpzWriter, error) {
	return &rpzWriter{w: w, seen: make(map[string]bool, count-names), seenIdx: make([]bool, names+1)}, nil
}

// add lists name and its sub-domains with the NXDOMAIN action (CNAME to
// the root, RFC draft-vixie-dnsop-dns-rpz section 4.1). name must come
// from RPZName, which admits only letters, digits, hyphens, underscores
// and dots: nothing that a zone parser would read as anything else.
func (r *rpzWriter) add(e *Entry, o *Options) error {
	if e.nameIdx > 0 && int(e.nameIdx) < len(r.seenIdx) {
		if r.seenIdx[e.nameIdx] {
			return nil
		}
		r.seenIdx[e.nameIdx] = true
	} else {
		name := o.rpzName(e)
		if name == "" || r.seen[name] {
			return nil
		}
		r.seen[name] = true
	}
	name := o.rpzName(e)
	r.n++
	r.w.WriteString(name)
	r.w.WriteString(" CNAME .\n*.")
	r.w.WriteString(name)
	_, err := r.w.WriteString(" CNAME .\n")
	return err
}

// RPZHeader is the start of the zone: origin, TTL, SOA with the serial,
// and NS (the zone is never queried as such; its NS names localhost, as
// policy zones usually do).
func RPZHeader(zone string, serial uint32, ttl int) string {
	if ttl <= 0 {
		ttl = 300
	}
	return "$ORIGIN " + zone + "\n$TTL " + strconv.Itoa(ttl) + "\n" +
		"@ SOA localhost. hostmaster.localhost. " + strconv.FormatUint(uint64(serial), 10) + " 300 60 86400 " + strconv.Itoa(ttl) + "\n" +
		"@ NS localhost.\n"
}

// Reserial gives a generated RPZ zone another serial.
func (g Generated) Reserial(serial uint32, o Options) Generated {
	if g.headerLen == 0 { // not a zone: the serial is only a field
		g.Serial = serial
		return g
	}
	h := RPZHeader(o.zone(), serial, o.TTL)
	records := g.Body[g.headerLen:]
	b := make([]byte, 0, len(h)+len(records))
	g.Body = append(append(b, h...), records...)
	g.headerLen, g.Serial = len(h), serial
	return g
}
