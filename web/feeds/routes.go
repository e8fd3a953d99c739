package feeds

import (
	"github.com/vigie-platform/vigie/apitoken"
	"github.com/vigie-platform/vigie/feed"
	"github.com/vigie-platform/vigie/web"
)

// routes lists every route of the feeds with what it needs: the token
// scope feeds:read, checked by withToken before the handler runs, or
// web.Public (the not-found answer of TAXII, in TAXII's shape).
func (s *server) routes(mux web.Mux) []web.Route {
	reg := web.NewRegistrar(mux)
	feeds := func(pattern string, h tokenHandler) {
		reg.Add(pattern, apitoken.ScopeFeedsRead, s.withToken(jsonError, h))
	}
	taxii := func(pattern string, h tokenHandler) {
		reg.Add(pattern, apitoken.ScopeFeedsRead, s.negotiate(s.withToken(taxiiError, h)))
	}

	feeds("GET /feeds/blocklist.rpz", s.handleBlocklist(feed.FormatRPZ))
	feeds("GET /feeds/blocklist.txt", s.handleBlocklist(feed.FormatText))
	feeds("GET /feeds/blocklist.csv", s.handleBlocklist(feed.FormatCSV))
	feeds("GET /feeds/payments.csv", s.handlePayments)

	taxii("GET /taxii2/{$}", s.handleDiscovery)
	taxii("GET "+apiRoot+"{$}", s.handleAPIRoot)
	taxii("GET "+apiRoot+"collections/{$}", s.handleCollections)
	taxii("GET "+apiRoot+"collections/{id}/{$}", s.handleCollection)
	taxii("GET "+apiRoot+"collections/{id}/objects/{$}", s.handleObjects)
	taxii("GET "+apiRoot+"collections/{id}/manifest/{$}", s.handleManifest)
	reg.Public("/taxii2/", s.handleTAXIINotFound)
	return reg.Routes()
}
