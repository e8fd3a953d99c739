package feeds

import (
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/vigie-platform/vigie/apitoken"
	"github.com/vigie-platform/vigie/feed"
)

// TAXII 2.1 (OASIS, 2021): one API root with one collection, the
// indicators of the approved blocking requests. Read only.
const (
	// MediaTAXII is the media type of every TAXII resource and error.
	MediaTAXII = "application/taxii+json;version=2.1"
	// MediaSTIX is the media type of the objects a collection holds.
	MediaSTIX = "application/stix+json;version=2.1"
	apiRoot   = "/taxii2/vigie/"
	// Page sizes of objects and manifests.
	defaultLimit = 100
	maxLimit     = 1000
)

// dateAdded is a TAXII timestamp with the microseconds the store keeps,
// so that added_after and the headers page exactly.
func dateAdded(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

// collectionID is the blocklist collection's id: derived from the
// installation's namespace, stable across instances and restarts.
func (s *server) collectionID() string {
	return uuid.NewSHA1(s.Namespace, []byte("taxii-collection\x00blocklist")).String()
}

func taxiiError(w http.ResponseWriter, status int, code, message string) {
	writeTAXII(w, status, map[string]any{"title": http.StatusText(status), "description": message, "error_code": code,
		"http_status": strconv.Itoa(status)})
}

func writeTAXII(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", MediaTAXII)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// acceptsTAXII tells whether an Accept header admits TAXII 2.1: the
// taxii+json type with version 2.1 or without a version (the latest, which
// is 2.1), or a wildcard. No Accept at all admits anything (RFC 9110).
func acceptsTAXII(accept string) bool {
	if strings.TrimSpace(accept) == "" {
		return true
	}
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if q, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(q, 64); err == nil && f == 0 {
				continue
			}
		}
		switch mt {
		case "*/*", "application/*":
			return true
		case "application/taxii+json":
			if v, ok := params["version"]; !ok || v == "2.1" {
				return true
			}
		}
	}
	return false
}

// negotiate answers 406, in TAXII's error shape, a request that does not
// accept TAXII 2.1, before the token is even looked at.
func (s *server) negotiate(h http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !acceptsTAXII(r.Header.Get("Accept")) {
			taxiiError(w, http.StatusNotAcceptable, "not_acceptable", "This server speaks "+MediaTAXII+" only: send it in Accept.")
			return
		}
		h.ServeHTTP(w, r)
	}
}

func (s *server) handleTAXIINotFound(w http.ResponseWriter, r *http.Request) {
	taxiiError(w, http.StatusNotFound, "not_found", "No such TAXII resource.")
}

// readTAXII records a read of a TAXII resource and writes it.
func (s *server) readTAXII(w http.ResponseWriter, r *http.Request, tok apitoken.Token, what string, entries int, v any) {
	if !s.record(w, r, tok, Download{Feed: feed.TAXII + ":" + what, Entries: entries, Query: r.URL.RawQuery}, taxiiError) {
		return
	}
	writeTAXII(w, http.StatusOK, v)
}

// rootURL is the API root as an absolute URL, as clients resolve it.
func (s *server) rootURL(r *http.Request) string {
	if s.PublicURL != "" {
		return strings.TrimRight(s.PublicURL, "/") + apiRoot
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + apiRoot
}

func (s *server) handleDiscovery(w http.ResponseWriter, r *http.Request, tok apitoken.Token) {
	root := s.rootURL(r)
	s.readTAXII(w, r, tok, "discovery", 0, map[string]any{
		"title":       "Vigie",
		"description": "Disruption feeds of Vigie: the approved blocking requests as STIX 2.1 indicators.",
		"default":     root,
		"api_roots":   []string{root},
	})
}

func (s *server) handleAPIRoot(w http.ResponseWriter, r *http.Request, tok apitoken.Token) {
	s.readTAXII(w, r, tok, "api-root", 0, map[string]any{
		"title":              "Vigie disruption feeds",
		"versions":           []string{MediaTAXII},
		"max_content_length": 0, // nothing is ever posted here
	})
}

func (s *server) collection() map[string]any {
	return map[string]any{
		"id": s.collectionID(), "title": "Blocklist",
		"description": "URLs and domains whose blocking the oversight approved, as STIX 2.1 indicators; valid_until marks the end of an entry whose content was confirmed gone.",
		"can_read":    true, "can_write": false, "media_types": []string{MediaSTIX},
	}
}

func (s *server) handleCollections(w http.ResponseWriter, r *http.Request, tok apitoken.Token) {
	s.readTAXII(w, r, tok, "collections", 1, map[string]any{"collections": []any{s.collection()}})
}

// knownCollection answers 404 for another collection id.
func (s *server) knownCollection(w http.ResponseWriter, r *http.Request) bool {
	if r.PathValue("id") != s.collectionID() {
		taxiiError(w, http.StatusNotFound, "not_found", "No such collection.")
		return false
	}
	return true
}

func (s *server) handleCollection(w http.ResponseWriter, r *http.Request, tok apitoken.Token) {
	if s.knownCollection(w, r) {
		s.readTAXII(w, r, tok, "collection", 1, s.collection())
	}
}

// page is one page of a collection's entries, as objects and manifest
// read it: the query's filters applied.
type page struct {
	entries []feed.Entry
	more    bool
	next    string
}

// cursor encodes the position after an entry: its approval time and id.
func cursor(e feed.Entry) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(e.ApprovedAt.UnixMicro(), 10) + " " + e.ID))
}

func parseCursor(s string) (time.Time, string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, "", false
	}
	at, id, ok := strings.Cut(string(b), " ")
	n, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil || id == "" || strconv.FormatInt(n, 10) != at || base64.RawURLEncoding.EncodeToString(b) != s {
		return time.Time{}, "", false // only the cursors this server writes
	}
	return time.UnixMicro(n).UTC(), id, true
}

// readPage reads a page after the query's added_after or next, applying
// match[id] and match[type]; false once an error was written.
func (s *server) readPage(w http.ResponseWriter, r *http.Request) (page, bool) {
	q := r.URL.Query()
	limit := defaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			taxiiError(w, http.StatusBadRequest, "bad_limit", "limit must be a positive whole number.")
			return page{}, false
		}
		limit = min(n, maxLimit) // a server may give fewer than asked
	}
	var after time.Time
	afterID := ""
	if v := q.Get("added_after"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			taxiiError(w, http.StatusBadRequest, "bad_added_after", "added_after must be a timestamp such as 2026-12-01T10:00:00.000Z.")
			return page{}, false
		}
		// Strictly after: the next microsecond, from its first id.
		after = t.Truncate(time.Microsecond).Add(time.Microsecond)
	}
	if v := q.Get("next"); v != "" {
		t, id, ok := parseCursor(v)
		if !ok {
			taxiiError(w, http.StatusBadRequest, "bad_next", "next must be the value of a previous page's next.")
			return page{}, false
		}
		if t.After(after) || (t.Equal(after) && id > afterID) || after.IsZero() {
			after, afterID = t, id
		}
	}
	if types := q.Get("match[type]"); types != "" && !commaHas(types, "indicator") {
		return page{}, true // the collection holds indicators only
	}
	if v := q.Get("match[spec_version]"); v != "" && !commaHas(v, "2.1") {
		return page{}, true
	}
	var keep func(feed.Entry) bool
	if ids := q.Get("match[id]"); ids != "" {
		keep = func(e feed.Entry) bool { return commaHas(ids, feed.IndicatorID(s.Namespace, e)) }
	}
	entries, more, err := s.Blocklist.Page(r.Context(), after, afterID, limit, keep)
	if err != nil {
		s.unavailable(w, err, taxiiError)
		return page{}, false
	}
	p := page{entries: entries, more: more}
	if more {
		p.next = cursor(entries[len(entries)-1])
	}
	return p, true
}

func commaHas(list, v string) bool {
	for _, p := range strings.Split(list, ",") {
		if strings.TrimSpace(p) == v {
			return true
		}
	}
	return false
}

// pageHeaders sets the date_added of the page's first and last object.
func pageHeaders(w http.ResponseWriter, p page) {
	if len(p.entries) > 0 {
		w.Header().Set("X-TAXII-Date-Added-First", dateAdded(p.entries[0].ApprovedAt))
		w.Header().Set("X-TAXII-Date-Added-Last", dateAdded(p.entries[len(p.entries)-1].ApprovedAt))
	}
}

// envelope is a page of objects, or of manifest records.
func envelope(key string, items []any, p page) map[string]any {
	env := map[string]any{"more": p.more}
	if p.more {
		env["next"] = p.next
	}
	if len(items) > 0 {
		env[key] = items
	}
	return env
}

func (s *server) options() feed.Options { return s.Blocklist.Options }

func (s *server) handleObjects(w http.ResponseWriter, r *http.Request, tok apitoken.Token) {
	if !s.knownCollection(w, r) {
		return
	}
	p, ok := s.readPage(w, r)
	if !ok {
		return
	}
	objects := make([]any, 0, len(p.entries))
	for _, e := range p.entries {
		objects = append(objects, feed.Indicator(s.Namespace, e, s.options()))
	}
	pageHeaders(w, p)
	s.readTAXII(w, r, tok, "objects", len(objects), envelope("objects", objects, p))
}

func (s *server) handleManifest(w http.ResponseWriter, r *http.Request, tok apitoken.Token) {
	if !s.knownCollection(w, r) {
		return
	}
	p, ok := s.readPage(w, r)
	if !ok {
		return
	}
	records := make([]any, 0, len(p.entries))
	for _, e := range p.entries {
		records = append(records, map[string]any{"id": feed.IndicatorID(s.Namespace, e), "date_added": dateAdded(e.ApprovedAt),
			"version": feed.Version(e, s.options()), "media_type": MediaSTIX})
	}
	pageHeaders(w, p)
	s.readTAXII(w, r, tok, "manifest", len(records), envelope("objects", records, p))
}
