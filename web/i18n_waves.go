package web

// wavesui holds the words of waves (issue 12, part 4), kept apart from
// wsui so that parts built at the same time do not edit one list; they
// join the workspace's words at start. [0] is French, [1] English.
var wavesui = map[string][2]string{
	"ws.wave.title":        {"Vague n° %d", "Wave no. %d"},
	"ws.wave.tag":          {"Vague de %s", "Wave of %s"},
	"ws.wave.size":         {"Signalements", "Reports"},
	"ws.wave.open":         {"dont %s à traiter", "%s waiting for a decision"},
	"ws.wave.none_open":    {"aucun à traiter", "none waiting"},
	"ws.wave.gathered":     {"Réunis par", "Gathered by"},
	"ws.wave.kind.url":     {"la même adresse", "the same address"},
	"ws.wave.kind.hash":    {"la même pièce jointe, d'empreinte", "the same attachment, hash"},
	"ws.wave.kind.text":    {"un texte quasi identique (même modèle, noms ou liens changés)", "a near-identical text (one template, names or links changed)"},
	"ws.wave.span":         {"Reçus", "Received"},
	"ws.wave.span.value":   {"du %s au %s", "from %s to %s"},
	"ws.wave.growth":       {"Croissance de la vague", "How the wave grew"},
	"ws.wave.chart.title":  {"Signalements reçus par période et cumul", "Reports received per period and in all"},
	"ws.wave.chart.desc":   {"%s reçus du %s au %s. Barres : nouveaux signalements par %s ; ligne : cumul. Le plus grand nombre, %[6]s, le %[5]s.", "%s received from %s to %s. Bars: new reports per %s; line: running total. The most, %[6]s, on %[5]s."},
	"ws.wave.chart.legend": {"Barres bleues : nouveaux signalements par période (au plus %s). Ligne rouge : cumul (jusqu'à %s).", "Blue bars: new reports per period (at most %s). Red line: running total (up to %s)."},
	"ws.wave.table":        {"Les chiffres du graphique", "The chart's figures"},
	"ws.wave.new":          {"Nouveaux", "New"},
	"ws.wave.total":        {"Cumul", "Running total"},
	"ws.wave.period.day":   {"jour", "day"},
	"ws.wave.period.week":  {"semaine", "week"},
	"ws.wave.period.month": {"mois", "month"},
	"ws.wave.week":         {"semaine du %s", "week of %s"},
	"ws.wave.month":        {"mois du %s", "month of %s"},
	"ws.wave.decide.title": {"Décider pour toute la vague", "Decide for the whole wave"},
	"ws.wave.decide.hint":  {"La décision s'applique aux %s signalements à traiter de la vague ; ceux déjà décidés ou dans une fiche ne changent pas. Chacun reçoit sa propre entrée au journal d'audit.", "The decision applies to the wave's %s reports waiting for one; those already decided or in a case stay as they are. Each gets its own audit entry."},
	"ws.wave.decide":       {"Décider les %s signalements", "Decide the %s reports"},
	"ws.wave.case.title":   {"Faire une fiche de la vague", "Make a case of the wave"},
	"ws.wave.case.hint":    {"Les %s signalements listés ci-dessus qui ne sont dans aucune fiche forment une nouvelle fiche, nommée par les identifiants qu'ils partagent.", "The %s reports listed above that are in no case make a new case, named by the identifiers they share."},
	"ws.wave.case":         {"Créer la fiche avec %s signalements", "Create the case with %s reports"},
	"ws.wave.members":      {"Signalements de la vague", "Reports of the wave"},
	"ws.wave.members.open": {"Signalements de la vague à traiter", "Reports of the wave waiting for a decision"},
	"ws.wave.of":           {"Vague", "Wave"},
	"ws.wave.more":         {"… et %s autres signalements, non listés.", "… and %s more reports, not listed."},
	"ws.wave.queue":        {"Voir la vague", "See the wave"},
}

func init() {
	for k, v := range wavesui {
		wsui[k] = v
	}
}
