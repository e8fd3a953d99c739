// Package feeds serves the disruption feeds (issue 15, part 4) to the
// holders of an API token of scope feeds:read: the blocklist at
// /feeds/blocklist.{rpz,txt,csv}, the banks' payment identifiers at
// /feeds/payments.csv, and a TAXII 2.1 server under /taxii2/. routes.go
// lists every route. Every download is appended to the audit trail before
// its data is sent, with the token's name and the entries served.
package feeds

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/vigie-platform/vigie/apitoken"
	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/feed"
	"github.com/vigie-platform/vigie/ratelimit"
	"github.com/vigie-platform/vigie/web"
)

// Deps is what the feeds need.
type Deps struct {
	Tokens apitoken.Store
	// Audit records every download before it is answered.
	Audit audit.Store
	// Blocklist holds the approved requests and generates the blocklist
	// once per change (per instance); TAXII pages through it.
	Blocklist *feed.Cache
	// Store is read for the payment identifiers.
	Store feed.Store
	// Payments is the rule of the banks' feed.
	Payments feed.PaymentRule
	// Namespace is the installation's namespace of STIX ids.
	Namespace uuid.UUID
	// PublicURL makes TAXII's API root an absolute URL (serve
	// --public-url); without it, the request's host is used.
	PublicURL string
	Now       func() time.Time
}

type server struct {
	*web.Kit
	Deps
}

// Mount registers the feeds' routes on mux and returns them with the
// scope each needs.
func Mount(mux web.Mux, kit *web.Kit, d Deps) []web.Route {
	s := &server{Kit: kit, Deps: d}
	return s.routes(mux)
}

func (s *server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// failure is how an audience writes an error: the feeds in JSON like the
// API, TAXII as its error message resource.
type failure func(w http.ResponseWriter, status int, code, message string)

func jsonError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": message}})
}

// tokenHandler serves a route for a token checked for feeds:read.
type tokenHandler func(w http.ResponseWriter, r *http.Request, tok apitoken.Token)

// secretOf reads the token from the request. TAXII clients send either a
// bearer token (OpenCTI's TAXII feeds and taxii2-client with a custom
// auth) or HTTP Basic credentials (taxii2-client's user and password,
// MISP): with Basic, the password is the token and the user name is not
// checked (write the token's name there, for the logs of the client).
func secretOf(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	if secret, ok := strings.CutPrefix(auth, "Bearer "); ok {
		return strings.TrimSpace(secret)
	}
	if _, pass, ok := r.BasicAuth(); ok {
		return strings.TrimSpace(pass)
	}
	return ""
}

// withToken checks the token (Bearer or Basic), its scope feeds:read and
// its rate before h runs; fail writes the errors in the audience's shape.
func (s *server) withToken(fail failure, h tokenHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		secret := secretOf(r)
		if !apitoken.LooksLikeToken(secret) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="vigie-feeds"`)
			w.Header().Add("WWW-Authenticate", `Basic realm="vigie-feeds"`)
			fail(w, http.StatusUnauthorized, "unauthorized", "A token of scope feeds:read is required (Authorization: Bearer vgt_…, or HTTP Basic with the token as password).")
			return
		}
		tok, err := s.Tokens.TokenByHash(r.Context(), apitoken.Hash(secret))
		if errors.Is(err, apitoken.ErrNotFound) || (err == nil && tok.RevokedAt != nil) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="vigie-feeds", error="invalid_token"`)
			fail(w, http.StatusUnauthorized, "unauthorized", "This token is unknown or revoked.")
			return
		}
		if err != nil {
			s.Logger.Error("token lookup", "err", err)
			w.Header().Set("Retry-After", "5")
			fail(w, http.StatusServiceUnavailable, "unavailable", "Authentication is unavailable right now; retry.")
			return
		}
		if !tok.Has(apitoken.ScopeFeedsRead) {
			fail(w, http.StatusForbidden, "forbidden", "This token lacks the scope "+apitoken.ScopeFeedsRead+" (vigie token create --scopes "+apitoken.ScopeFeedsRead+").")
			return
		}
		if !s.Allow(w, "token", tok.Name, ratelimit.Limit{PerSecond: tok.Rate, Burst: tok.Rate}) {
			fail(w, http.StatusTooManyRequests, "rate_limited", "Too many requests for this token; retry after the delay in Retry-After.")
			return
		}
		h(w, r, tok)
	}
}

// Download is the detail of a feed's audit entry.
type Download struct {
	Feed    string `json:"feed"`
	Entries int    `json:"entries"`
	Serial  uint32 `json:"serial,omitempty"`
	// NotModified: the client already held this content (If-None-Match).
	NotModified bool   `json:"not_modified,omitempty"`
	Query       string `json:"query,omitempty"`
}

// record appends the download to the audit trail; false (and a 503 said
// by fail) when the trail cannot take it: no data leaves unrecorded.
func (s *server) record(w http.ResponseWriter, r *http.Request, tok apitoken.Token, d Download, fail failure) bool {
	detail, _ := json.Marshal(d)
	var err error
	if s.Audit == nil {
		err = errors.New("no audit trail")
	} else {
		_, err = s.Audit.AppendAudit(r.Context(), audit.Entry{At: s.now(), Actor: "token:" + tok.Name, Action: "feed.download",
			ObjectType: "feed", ObjectID: d.Feed, Source: audit.SourceFrom(r.Context()), Detail: string(detail)})
	}
	if err != nil {
		s.unavailable(w, err, fail)
		return false
	}
	return true
}

func (s *server) unavailable(w http.ResponseWriter, err error, fail failure) {
	s.Logger.Error("feeds", "err", err)
	w.Header().Set("Retry-After", "5")
	fail(w, http.StatusServiceUnavailable, "unavailable", "The feed cannot be read right now; retry.")
}

// handleBlocklist serves the blocklist in the format its path names. The
// ETag is the content's digest, so a resolver polling every few minutes
// gets 304 while nothing changed.
func (s *server) handleBlocklist(format string) tokenHandler {
	return func(w http.ResponseWriter, r *http.Request, tok apitoken.Token) {
		g, err := s.Blocklist.Blocklist(r.Context(), format)
		if err != nil {
			s.unavailable(w, err, jsonError)
			return
		}
		etag := `"` + base64.RawURLEncoding.EncodeToString(g.Digest[:]) + `"`
		notModified := r.Header.Get("If-None-Match") == etag
		if !s.record(w, r, tok, Download{Feed: feed.Blocklist + "." + format, Entries: g.Entries, Serial: g.Serial, NotModified: notModified}, jsonError) {
			return
		}
		h := w.Header()
		h.Set("ETag", etag)
		h.Set("Cache-Control", "private, no-cache")
		h.Set("X-Vigie-Entries", strconv.Itoa(g.Entries))
		h.Set("X-Vigie-Serial", strconv.FormatUint(uint64(g.Serial), 10))
		if notModified {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h.Set("Content-Type", feed.Formats[format])
		h.Set("Content-Length", strconv.Itoa(len(g.Body)))
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="vigie-blocklist.%s"`, format))
		w.Write(g.Body)
	}
}

// handlePayments serves the banks' feed as CSV.
func (s *server) handlePayments(w http.ResponseWriter, r *http.Request, tok apitoken.Token) {
	ps, err := s.Store.PaymentIdentifiers(r.Context(), s.Payments, s.now())
	if err != nil {
		s.unavailable(w, err, jsonError)
		return
	}
	body, err := feed.PaymentsCSV(ps)
	if err != nil {
		s.unavailable(w, err, jsonError)
		return
	}
	if !s.record(w, r, tok, Download{Feed: feed.Payments + ".csv", Entries: len(ps)}, jsonError) {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8; header=present")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="vigie-payments.csv"`)
	w.Header().Set("X-Vigie-Entries", strconv.Itoa(len(ps)))
	w.Write(body)
}
