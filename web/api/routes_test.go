package api

import (
	"slices"
	"testing"

	"github.com/vigie-platform/vigie/apitoken"
	"github.com/vigie-platform/vigie/web"
	"github.com/vigie-platform/vigie/web/webtest"
)

// TestRoutesDeclareTheirNeed fails when an API route is registered
// without the token scope it needs (or web.Public), with an unknown scope,
// or other than through the registrar of routes.go.
func TestRoutesDeclareTheirNeed(t *testing.T) {
	kit := web.NewKit(nil, nil, nil, web.Proxies{}, nil)
	webtest.CheckRoutes(t, ".", func(mux web.Mux) []web.Route {
		return Mount(mux, kit, Deps{})
	}, func(need string) bool { return slices.Contains(apitoken.KnownScopes, need) })
}
