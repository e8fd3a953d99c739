package web

// noticesui holds the words of the notices' lifecycle and the yearly
// transparency report (issue 15, parts 2 and 7), kept apart from wsui so
// that parts built at the same time do not edit one list; they join the
// workspace's words at start. [0] is French, [1] English.
var noticesui = map[string][2]string{
	"ws.notice.escalated":     {"Escaladée (blocage demandé)", "Escalated (blocking requested)"},
	"ws.notice.lifecycle":     {"Suivi", "Follow-up"},
	"ws.notice.not_confirmed": {"non confirmé", "not confirmed"},
	"ws.notice.mailed":        {"Envoyée à %s le %s", "Mailed to %s on %s"},
	"ws.notice.mail_retry":    {"Envoi à %s en échec, nouvel essai le %s", "Mail to %s failed, next try on %s"},
	"ws.notice.mail_gaveup":   {"Envoi à %s abandonné après plusieurs essais", "Mail to %s given up after several tries"},
	"ws.notice.mail_waiting":  {"Envoi à %s en attente", "Mail to %s waiting"},
	"ws.notice.not_mailed":    {"Pas d'envoi automatique (l'hébergeur n'est pas une adresse électronique)", "Not mailed (the host is not an e-mail address)"},
	"ws.notice.checks":        {"%d vérification(s)", "%d check(s)"},
	"ws.notice.never_fetched": {"jamais téléchargée par le serveur (mineurs)", "never fetched by the server (minors)"},
	"ws.notice.next":          {"Prochaine vérification le %s", "Next check on %s"},
	"ws.notice.no_next":       {"Plus de vérification prévue", "No check scheduled"},
	"ws.notice.escalated_at":  {"Escaladée le %s", "Escalated on %s"},
	"ws.notice.gone_since":    {"contenu disparu depuis le %s", "content gone since %s"},
}

func init() {
	for k, v := range noticesui {
		wsui[k] = v
	}
}
