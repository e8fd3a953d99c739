package web

import (
	"net/http"
	"slices"
)

// Route is one route of an audience and what it needs of the caller: a
// workspace permission, an API token scope, or Public.
type Route struct {
	Pattern string
	Need    string
}

// Public is the need of a route open to anyone: the workspace's sign-in
// and enrolment pages, the API's follow-up, challenge, figures and
// document, the not-found answers.
const Public = "public"

// Mux is what routes are registered on; *http.ServeMux is one.
type Mux interface {
	Handle(pattern string, handler http.Handler)
}

// Registrar is the one way the workspace and the API register their
// routes: it puts each on the mux and records it with its need, so that a
// test can refuse a route registered without one (webtest.CheckRoutes).
type Registrar struct {
	mux    Mux
	routes []Route
}

// NewRegistrar registers on mux.
func NewRegistrar(mux Mux) *Registrar { return &Registrar{mux: mux} }

// Add registers h for pattern, recording what it needs.
func (g *Registrar) Add(pattern, need string, h http.Handler) {
	g.routes = append(g.routes, Route{Pattern: pattern, Need: need})
	g.mux.Handle(pattern, h)
}

// Public registers h for pattern, open to anyone.
func (g *Registrar) Public(pattern string, h http.HandlerFunc) { g.Add(pattern, Public, h) }

// Routes lists what was registered, in order.
func (g *Registrar) Routes() []Route { return slices.Clone(g.routes) }
