package web

import (
	"fmt"
	"net/http"
)

// ui holds the portal's own words; category names and advice come from the
// taxonomy file. [0] is French, the default; [1] English.
var ui = map[string][2]string{
	"site.name":               {"Vigie — signalement des contenus illicites", "Vigie — reporting illicit content"},
	"site.short":              {"Vigie", "Vigie"},
	"nav.skip":                {"Aller au contenu", "Skip to content"},
	"nav.home":                {"Accueil", "Home"},
	"nav.report":              {"Signaler", "Report"},
	"nav.followup":            {"Suivre un signalement", "Follow a report"},
	"nav.lang":                {"English", "Français"},
	"nav.lang.label":          {"Read this page in English", "Lire cette page en français"},
	"emergency":               {"En cas de danger immédiat, appelez le 17 ou le 112. Ce site ne remplace pas un appel d'urgence.", "In immediate danger, call 17 or 112. This site does not replace an emergency call."},
	"home.title":              {"Signaler un contenu ou un comportement illicite sur internet", "Report illicit content or behaviour on the internet"},
	"home.intro":              {"Vous avez vu un contenu illégal, ou vous êtes victime d'une infraction en ligne ? Signalez-le : une équipe d'enquêteurs l'analyse et le transmet au service compétent.", "Have you seen illegal content, or are you the victim of an online offence? Report it: a team of investigators analyses it and passes it to the competent service."},
	"home.categories":         {"Que souhaitez-vous signaler ?", "What do you want to report?"},
	"home.start":              {"Signaler", "Report"},
	"home.followup":           {"Vous avez déjà un numéro de signalement ? Suivez où il en est.", "Already have a receipt number? See where it stands."},
	"form.title":              {"Faire un signalement", "Make a report"},
	"form.choose":             {"Choisissez ce que vous avez vu", "Choose what you saw"},
	"form.continue":           {"Continuer", "Continue"},
	"form.change":             {"Changer de catégorie", "Change category"},
	"form.category":           {"Catégorie", "Category"},
	"form.required":           {"obligatoire", "required"},
	"form.required.note":      {"Les champs marqués « obligatoire » doivent être remplis.", "Fields marked \"required\" must be filled in."},
	"form.what":               {"Ce que vous avez vu", "What you saw"},
	"form.description":        {"Décrivez les faits", "Describe what happened"},
	"form.description.hint":   {"Ce que vous avez vu, quand, qui est concerné. Recopiez les messages utiles.", "What you saw, when, who is involved. Copy any useful messages."},
	"form.urls":               {"Adresses web (URL)", "Web addresses (URLs)"},
	"form.urls.hint":          {"Une adresse par ligne, 20 au plus.", "One address per line, at most 20."},
	"form.seen_on":            {"Où l'avez-vous vu ? (site, application, réseau social)", "Where did you see it? (site, app, social network)"},
	"form.occurred_at":        {"Date des faits", "Date it happened"},
	"form.urgent":             {"Quelqu'un est en danger en ce moment", "Someone is in danger right now"},
	"form.urgent.hint":        {"Cochez si la vie ou la sécurité d'une personne est menacée maintenant. Appelez aussi le 17 ou le 112.", "Tick if a person's life or safety is threatened now. Also call 17 or 112."},
	"form.minors.warning":     {"Ne téléchargez pas, ne copiez pas et ne transmettez pas ces images : leur détention est un délit. Donnez seulement l'adresse où vous les avez vues.", "Do not download, copy or forward these images: possessing them is an offence. Give only the address where you saw them."},
	"form.loss":               {"Si vous avez perdu de l'argent", "If you lost money"},
	"form.amount":             {"Montant perdu", "Amount lost"},
	"form.currency":           {"Devise", "Currency"},
	"form.payment_means":      {"Moyen de paiement", "Payment means"},
	"form.payment_means.none": {"— Choisir —", "— Choose —"},
	"pay.card":                {"Carte bancaire", "Bank card"},
	"pay.transfer":            {"Virement", "Bank transfer"},
	"pay.crypto":              {"Cryptomonnaie", "Cryptocurrency"},
	"pay.gift-card":           {"Carte cadeau, recharge", "Gift card, voucher"},
	"pay.cash":                {"Espèces, mandat", "Cash, money order"},
	"pay.payment-app":         {"Application de paiement", "Payment app"},
	"pay.other":               {"Autre", "Other"},
	"form.files":              {"Pièces jointes (captures d'écran, reçus)", "Attachments (screenshots, receipts)"},
	"form.files.hint":         {"5 fichiers au plus, 10 Mo chacun. Elles ne seront jamais publiées.", "At most 5 files, 10 MB each. They are never published."},
	"form.files.minors":       {"Pour cette catégorie, n'envoyez aucune image.", "For this category, send no images."},
	"form.who":                {"Vous", "You"},
	"form.anonymous":          {"Je souhaite rester anonyme", "I want to stay anonymous"},
	"form.anonymous.hint":     {"Sans coordonnées, nous ne pourrons pas vous recontacter ; votre numéro de suivi reste valable.", "Without contact details we cannot get back to you; your receipt still works."},
	"form.name":               {"Nom et prénom", "Full name"},
	"form.email":              {"Adresse e-mail", "Email address"},
	"form.phone":              {"Téléphone", "Phone"},
	"form.contact.hint":       {"Si vous n'êtes pas anonyme : votre nom, et un e-mail ou un téléphone.", "If you are not anonymous: your name, and an email or a phone number."},
	"form.is_victim":          {"Je suis la victime", "I am the victim"},
	"form.honeypot":           {"Ne remplissez pas ce champ", "Leave this field empty"},
	"form.submit":             {"Envoyer le signalement", "Send the report"},
	"form.pow.working":        {"Vérification anti-robot en cours…", "Anti-robot check in progress…"},
	"form.pow.done":           {"Vérification anti-robot terminée.", "Anti-robot check done."},
	"form.errors":             {"Le signalement n'a pas été envoyé. Corrigez ces points :", "The report was not sent. Please fix the following:"},
	"form.rate_limited":       {"Trop d'envois depuis votre connexion. Réessayez dans quelques minutes ; votre saisie est conservée.", "Too many submissions from your connection. Try again in a few minutes; your input is kept."},
	"form.unavailable":        {"Le service est momentanément indisponible ; rien n'a été enregistré. Réessayez dans un instant.", "The service is briefly unavailable; nothing was recorded. Please try again shortly."},
	"form.too_large":          {"Les fichiers envoyés sont trop gros (10 Mo par fichier, 5 fichiers au plus).", "The files sent are too large (10 MB per file, 5 files at most)."},
	"form.url_n":              {"Adresse n° %d", "Address no. %d"},
	"done.title":              {"Signalement reçu", "Report received"},
	"done.intro":              {"Merci. Votre signalement est enregistré.", "Thank you. Your report has been recorded."},
	"done.receipt":            {"Numéro de signalement", "Receipt number"},
	"done.secret":             {"Code secret de suivi", "Follow-up secret"},
	"done.keep":               {"Notez ces deux codes maintenant : ils ne seront plus affichés. Ils vous permettent de suivre votre signalement sans compte.", "Write down both codes now: they will not be shown again. They let you follow your report without an account."},
	"done.followup":           {"Suivre ce signalement", "Follow this report"},
	"follow.title":            {"Suivre un signalement", "Follow a report"},
	"follow.intro":            {"Saisissez le numéro et le code secret reçus après votre signalement.", "Enter the receipt number and the secret you received after reporting."},
	"follow.receipt":          {"Numéro de signalement (VG-…)", "Receipt number (VG-…)"},
	"follow.secret":           {"Code secret", "Secret"},
	"follow.submit":           {"Voir l'état", "See the status"},
	"follow.notfound":         {"Aucun signalement ne correspond à ce numéro et ce code.", "No report matches this receipt and secret."},
	"follow.status":           {"État de votre signalement", "Status of your report"},
	"status.received":         {"Reçu : il attend d'être analysé.", "Received: waiting to be analysed."},
	"status.analysing":        {"En cours d'analyse par un enquêteur.", "Being analysed by an investigator."},
	"status.referred":         {"Transmis au service compétent.", "Referred to the competent service."},
	"status.closed":           {"Traité et clos.", "Handled and closed."},
	"notfound.title":          {"Page introuvable", "Page not found"},
	"notfound.text":           {"Cette page n'existe pas.", "This page does not exist."},
	"footer.privacy":          {"Vos données sont réservées aux enquêteurs habilités. Aucun cookie n'est utilisé.", "Your data is seen only by authorised investigators. No cookies are used."},
}

// Translator says the catalogue's words in one language; the portal's
// words (ui) and the workspace's (wsui) make one catalogue, since each
// side shows some of the other's (the figures page, the language link).
type Translator struct{ lang string }

// TranslatorFor says the catalogue in lang ("en"; any other is French).
func TranslatorFor(lang string) Translator { return Translator{lang} }

// T says the words of key, formatted with args; an unknown key is shown
// as it is.
func (t Translator) T(key string, args ...any) string {
	m, ok := ui[key]
	if !ok {
		if m, ok = wsui[key]; !ok {
			return key
		}
	}
	s := m[0]
	if t.lang == "en" {
		s = m[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// IsWorkspaceKey tells whether the workspace's words have key.
func IsWorkspaceKey(key string) bool {
	_, ok := wsui[key]
	return ok
}

// Say names a coded value (a priority, an event's kind) in the page's
// language: the words of prefix+"."+value when the catalogue has them,
// else the value itself, so that an unforeseen code is still shown.
func (t Translator) Say(prefix, value string) string {
	key := prefix + "." + value
	if _, ok := ui[key]; ok {
		return t.T(key)
	}
	if _, ok := wsui[key]; ok {
		return t.T(key)
	}
	return value
}

// LangOf reads the page language: ?lang=en or, once the body is parsed, a
// form's lang field; French otherwise. No cookie is set.
func LangOf(r *http.Request) string {
	if r.URL.Query().Get("lang") == "en" || r.PostForm.Get("lang") == "en" {
		return "en"
	}
	return "fr"
}
