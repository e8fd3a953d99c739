package workspace

import (
	"slices"
	"testing"

	"github.com/vigie-platform/vigie/access"
	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/web"
	"github.com/vigie-platform/vigie/web/webtest"
)

// TestRoutesDeclareTheirNeed fails when a workspace route is registered
// without the permission it needs (or web.Public), with a permission no
// role has, or other than through the registrar of routes.go.
func TestRoutesDeclareTheirNeed(t *testing.T) {
	granted := map[string]bool{}
	for _, role := range account.Roles {
		for _, p := range access.Permissions(role) {
			granted[string(p)] = true
		}
	}
	var routes []web.Route
	webtest.CheckRoutes(t, ".", func(mux web.Mux) []web.Route {
		routes = Mount(mux, web.NewKit(nil, nil, nil, web.Proxies{}, nil), Deps{})
		return routes
	}, func(need string) bool { return granted[need] })
	if export := (web.Route{Pattern: "GET /w/cases/{id}/export/{format}", Need: string(access.Cases)}); !slices.Contains(routes, export) {
		t.Errorf("%v is not in the route list", export)
	}
}
