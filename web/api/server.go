// Package api is Vigie's reporting API (JSON, under /api/): reports sent
// by partner organisations, follow-up, the proof-of-work challenge, the
// figures and the cross-referencing queries. routes.go lists every route
// with the token scope it needs, or web.Public.
package api

import (
	_ "embed"
	"errors"
	"net/http"
	"strings"

	"github.com/vigie-platform/vigie/altcha"
	"github.com/vigie-platform/vigie/apitoken"
	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/ratelimit"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/web"
	"github.com/vigie-platform/vigie/web/figures"
)

//go:embed openapi.json
var openAPI []byte

// Body size limits, documented in the OpenAPI document and the README
// (web.MaxMultipartBody bounds a report with attachments).
const (
	MaxJSONBody     = 1 << 20
	MaxBatchBody    = 16 << 20
	MaxBatchReports = 1000
)

// Deps is what the API needs.
type Deps struct {
	Intake  *report.Intake
	Reports report.Store
	Index   correlate.Store
	Tokens  apitoken.Store
	Altcha  *altcha.Service
	Figures *figures.Reader
	Limits  web.Limits
	// Audit records the reads of the cross-referencing API before they are
	// answered.
	Audit audit.Store
}

type server struct {
	*web.Kit
	Deps
}

// Mount registers the API's routes on mux and returns them with the scope
// each needs.
func Mount(mux web.Mux, kit *web.Kit, d Deps) []web.Route {
	s := &server{Kit: kit, Deps: d}
	return s.routes(mux)
}

// tokenHandler serves a route for a token that was checked for the
// route's scope.
type tokenHandler func(w http.ResponseWriter, r *http.Request, tok apitoken.Token)

// withToken is the one check in front of every route that needs a token:
// the bearer token, the scope the route declares, the token's rate; then
// h gets the token.
func (s *server) withToken(scope string, h tokenHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := s.authenticate(w, r, scope)
		if !ok {
			return
		}
		h(w, r, tok)
	}
}

// tokenLimit is a token's rate: reports (or reads) per second, with a burst
// of one second's worth.
func tokenLimit(tok apitoken.Token) ratelimit.Limit {
	return ratelimit.Limit{PerSecond: tok.Rate, Burst: tok.Rate}
}

// authenticate checks the bearer token, its scope and its rate.
func (s *server) authenticate(w http.ResponseWriter, r *http.Request, scope string) (apitoken.Token, bool) {
	auth := r.Header.Get("Authorization")
	secret, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || !apitoken.LooksLikeToken(strings.TrimSpace(secret)) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="vigie"`)
		writeAPIError(w, http.StatusUnauthorized, "unauthorized", "A valid bearer token is required (Authorization: Bearer vgt_…).", nil)
		return apitoken.Token{}, false
	}
	tok, err := s.Tokens.TokenByHash(r.Context(), apitoken.Hash(strings.TrimSpace(secret)))
	if errors.Is(err, apitoken.ErrNotFound) || (err == nil && tok.RevokedAt != nil) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="vigie", error="invalid_token"`)
		writeAPIError(w, http.StatusUnauthorized, "unauthorized", "This token is unknown or revoked.", nil)
		return apitoken.Token{}, false
	}
	if err != nil {
		s.Logger.Error("token lookup", "err", err)
		w.Header().Set("Retry-After", "5")
		writeAPIError(w, http.StatusServiceUnavailable, "unavailable", "Authentication is unavailable right now; retry.", nil)
		return apitoken.Token{}, false
	}
	if !tok.Has(scope) {
		writeAPIError(w, http.StatusForbidden, "forbidden", "This token lacks the scope "+scope+".", nil)
		return apitoken.Token{}, false
	}
	if !s.Allow(w, "token", tok.Name, tokenLimit(tok)) {
		writeAPIError(w, http.StatusTooManyRequests, "rate_limited", "Too many requests for this token; retry after the delay in Retry-After.", nil)
		return apitoken.Token{}, false
	}
	return tok, true
}
