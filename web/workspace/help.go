package workspace

import (
	"net/http"

	"github.com/vigie-platform/vigie/account"
)

// shortcut is one key of web/static/keys.js, as the help page lists it.
type shortcut struct{ Key, Action string }

// shortcuts are the keys keys.js answers to, in the order the help page
// lists them; the browser test presses each.
var shortcuts = []shortcut{
	{"j", "ws.help.key.next"},
	{"k", "ws.help.key.previous"},
	{"x", "ws.help.key.select"},
	{"o", "ws.help.key.open"},
	{"d", "ws.help.key.decide"},
	{"n", "ws.help.key.take"},
	{"/", "ws.help.key.search"},
	{"?", "ws.help.key.help"},
}

func (s *server) handleHelp(w http.ResponseWriter, r *http.Request, u account.User) {
	p := s.newWPage(r, u, "ws.help.title")
	p.Data = shortcuts
	s.renderW(w, http.StatusOK, "w_help", p)
}
