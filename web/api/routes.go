package api

import (
	"github.com/vigie-platform/vigie/apitoken"
	"github.com/vigie-platform/vigie/export"
	"github.com/vigie-platform/vigie/removal"
	"github.com/vigie-platform/vigie/web"
)

// routes lists every API route with what it needs: a token scope, checked
// by withToken before the handler runs, or web.Public.
func (s *server) routes(mux web.Mux) []web.Route {
	reg := web.NewRegistrar(mux)
	scoped := func(pattern, scope string, h tokenHandler) { reg.Add(pattern, scope, s.withToken(scope, h)) }

	reg.Public("GET /api/openapi.json", s.handleOpenAPI)
	reg.Public("GET "+export.ExtensionSchemaPath, s.handleSTIXExtensionSchema)
	scoped("POST /api/v1/reports", apitoken.ScopeReportsWrite, s.handleAPICreateReport)
	scoped("POST /api/v1/reports/batch", apitoken.ScopeReportsWrite, s.handleAPICreateBatch)
	reg.Public("POST /api/v1/follow-up", s.handleAPIFollowUp) // rate-limited per address
	reg.Public("GET /api/v1/altcha/challenge", s.handleAPIAltchaChallenge)
	reg.Public("GET /api/v1/stats", s.handleAPIStats)
	reg.Public("GET /api/v1/stats/removals", s.handleAPIRemovalTimes)
	reg.Public("GET "+removal.XARFSchemaPath, s.handleXARFSchema)
	scoped("GET /api/v1/indicators/{type}", apitoken.ScopeIndicatorsRead, s.handleAPIIndicator)
	scoped("GET /api/v1/indicators/{type}/{value...}", apitoken.ScopeIndicatorsRead, s.handleAPIIndicator)
	scoped("GET /api/v1/reports/{id}/related", apitoken.ScopeIndicatorsRead, s.handleAPIRelated)
	reg.Public("/api/", s.handleAPINotFound)
	return reg.Routes()
}
