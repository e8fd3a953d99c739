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

// figuresui: the times to removal on the figures pages.
var figuresui = map[string][2]string{
	"fig.removal.title":      {"Délais de retrait par hébergeur et par réseau", "Time to removal per host and per network"},
	"fig.removal.explain":    {"Pour les demandes de retrait envoyées sur la période : le délai entre la demande et le constat du retrait (médiane, et délai dans lequel 90 % des contenus retirés l'ont été). Un contenu retiré après l'échéance compte, en retard.", "For the removal notices sent in the period: the time from the notice to the removal seen (median, and the time within which 90% of the removed content went). Content removed after the deadline counts, late."},
	"fig.removal.by.host":    {"Par hébergeur (les plus sollicités)", "Per host (the most notified)"},
	"fig.removal.by.network": {"Par réseau (système autonome)", "Per network (autonomous system)"},
	"fig.removal.host":       {"Hébergeur", "Host"},
	"fig.removal.network":    {"Réseau", "Network"},
	"fig.removal.notices":    {"Demandes", "Notices"},
	"fig.removal.removed":    {"Retirés", "Removed"},
	"fig.removal.median":     {"Délai médian", "Median time"},
	"fig.removal.p90":        {"90 % en moins de", "90% within"},
}

func init() {
	for k, v := range figuresui {
		wsui[k] = v
	}
}
