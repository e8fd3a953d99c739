package web

// noticesui holds the words of the notices' lifecycle and the yearly
// transparency report (issue 15, parts 2 and 7), kept apart from wsui so
// that parts built at the same time do not edit one list; they join the
// workspace's words at start. [0] is French, [1] English.
var noticesui = map[string][2]string{
	"ws.notice.due":                  {"Échéance", "Deadline"},
	"ws.notice.kind.hint":            {"Injonction TCO : contenu terroriste, retrait dans l'heure. Demande administrative : LCEN art. 6-1, 24 heures, puis blocage possible. Notification : tout autre contenu manifestement illicite.", "TCO order: terrorist content, removal within the hour. Administrative request: LCEN art. 6-1, 24 hours, then blocking may follow. Notice: any other manifestly illicit content."},
	"ws.notice.basis.removal-order":  {"Règlement (UE) 2021/784, art. 3 (contenus terroristes en ligne) : retrait dans l'heure", "Regulation (EU) 2021/784, art. 3 (terrorist content online): removal within one hour"},
	"ws.notice.basis.administrative": {"Loi n° 2004-575 (LCEN), art. 6-1 : demande administrative de retrait", "Law no. 2004-575 (LCEN), art. 6-1: administrative removal request"},
	"ws.notice.basis.notice":         {"Loi n° 2004-575 (LCEN), art. 6 : notification à l'hébergeur d'un contenu manifestement illicite", "Law no. 2004-575 (LCEN), art. 6: notice to the host of manifestly illicit content"},
	"ws.notice.escalated":            {"Escaladée (blocage demandé)", "Escalated (blocking requested)"},
	"ws.notice.host.hint":            {"Une adresse électronique (le contact d'abus trouvé par le traçage) : la demande lui est envoyée automatiquement, en texte et au format X-ARF, puis l'adresse est revérifiée jusqu'au retrait. Un nom : la demande est seulement enregistrée.", "An e-mail address (the abuse contact the trace found): the notice is mailed to it, as text and X-ARF, then the address is re-checked until removal. A name: the notice is only recorded."},
	"ws.notice.lifecycle":            {"Suivi", "Follow-up"},
	"ws.notice.not_confirmed":        {"non confirmé", "not confirmed"},
	"ws.notice.mailed":               {"Envoyée à %s le %s", "Mailed to %s on %s"},
	"ws.notice.mail_retry":           {"Envoi à %s en échec, nouvel essai le %s", "Mail to %s failed, next try on %s"},
	"ws.notice.mail_gaveup":          {"Envoi à %s abandonné après plusieurs essais", "Mail to %s given up after several tries"},
	"ws.notice.mail_waiting":         {"Envoi à %s en attente", "Mail to %s waiting"},
	"ws.notice.not_mailed":           {"Pas d'envoi automatique (l'hébergeur n'est pas une adresse électronique)", "Not mailed (the host is not an e-mail address)"},
	"ws.notice.checks":               {"%d vérification(s)", "%d check(s)"},
	"ws.notice.never_fetched":        {"jamais téléchargée par le serveur (mineurs)", "never fetched by the server (minors)"},
	"ws.notice.next":                 {"Prochaine vérification le %s", "Next check on %s"},
	"ws.notice.no_next":              {"Plus de vérification prévue", "No check scheduled"},
	"ws.notice.escalated_at":         {"Escaladée le %s", "Escalated on %s"},
	"ws.notice.gone_since":           {"contenu disparu depuis le %s", "content gone since %s"},
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

// transparencyui: the yearly transparency report (issue 15, part 7).
var transparencyui = map[string][2]string{
	"ws.transparency.nav":                 {"Rapport de transparence", "Transparency report"},
	"ws.transparency.title":               {"Rapport annuel de transparence", "Yearly transparency report"},
	"ws.transparency.intro":               {"Les demandes de retrait envoyées dans l'année (heure de Paris), par hébergeur, par type de contenu et par suite donnée, et les injonctions de retrait de contenus terroristes (règlement (UE) 2021/784) avec leurs délais. Des nombres seulement, aucune donnée personnelle.", "The removal notices sent in the year (Paris time), per host, per content type and per action taken, and the removal orders for terrorist content (Regulation (EU) 2021/784) with their timing. Counts only, no personal data."},
	"ws.transparency.year":                {"Année", "Year"},
	"ws.transparency.csv":                 {"Télécharger en CSV", "Download as CSV"},
	"ws.transparency.caption":             {"Demandes de retrait envoyées en %d", "Removal notices sent in %d"},
	"ws.transparency.notices":             {"Demandes", "Notices"},
	"ws.transparency.by.action":           {"Par suite donnée", "By action taken"},
	"ws.transparency.by.provider":         {"Par hébergeur", "By host"},
	"ws.transparency.by.category":         {"Par type de contenu", "By content type"},
	"ws.transparency.provider":            {"Hébergeur", "Host"},
	"ws.transparency.category":            {"Type de contenu", "Content type"},
	"ws.transparency.action.removed":      {"Retiré par l'hébergeur", "Removed by the host"},
	"ws.transparency.action.escalated":    {"Blocage et déréférencement demandés", "Blocking and delisting requested"},
	"ws.transparency.action.still-online": {"Encore en ligne", "Still online"},
	"ws.transparency.action.pending":      {"En attente", "Pending"},
	"ws.transparency.orders":              {"Injonctions de retrait (règlement TCO)", "Removal orders (TCO Regulation)"},
	"ws.transparency.orders.count":        {"Injonctions", "Orders"},
	"ws.transparency.orders.removed":      {"Contenus retirés (y compris en retard)", "Content removed (late included)"},
	"ws.transparency.orders.hour":         {"Retirés dans l'heure", "Removed within the hour"},
}

func init() {
	for k, v := range transparencyui {
		wsui[k] = v
	}
}
