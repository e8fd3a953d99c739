package web

import (
	"fmt"
	"net/http"
)

// ui holds the portal's own words; category names and advice come from the
// taxonomy file. [0] is French, the default; [1] English.
var ui = map[string][2]string{
	// Issue 16 (doors): guided diagnosis, home page, legal pages, form, embed.
	"home.guide":                     {"Vous ne savez pas à qui vous adresser ?", "Not sure who to turn to?"},
	"home.guide.text":                {"Quelques questions simples vous orientent vers le bon service : les secours, une plainte en ligne, votre banque, ou un signalement ici.", "A few plain questions send you to the right service: emergency help, an online complaint, your bank, or a report here."},
	"home.guide.start":               {"Commencer (1 minute)", "Start (1 minute)"},
	"choose.diagnosis":               {"Vous hésitez ?", "Not sure?"},
	"choose.diagnosis.link":          {"Répondez à quelques questions pour trouver le bon service.", "Answer a few questions to find the right service."},
	"diag.title":                     {"Trouver le bon service", "Find the right service"},
	"diag.intro":                     {"Quelques questions pour vous orienter. Vous pourrez toujours faire un signalement ici.", "A few questions to guide you. You can always make a report here."},
	"diag.step":                      {"Question %d.", "Question %d."},
	"diag.missing":                   {"Choisissez une réponse pour continuer.", "Choose an answer to continue."},
	"diag.missing.title":             {"Réponse manquante", "Answer missing"},
	"diag.back":                      {"Question précédente", "Previous question"},
	"diag.skip":                      {"Passer les questions et signaler directement", "Skip the questions and report directly"},
	"diag.answers":                   {"Vos réponses", "Your answers"},
	"diag.change":                    {"Modifier", "Change"},
	"diag.report":                    {"Faire un signalement", "Make a report"},
	"diag.report.category":           {"Faire un signalement : %s", "Make a report: %s"},
	"diag.report.here":               {"Signaler ici", "Report here"},
	"diag.report.also":               {"Vous pouvez aussi signaler ici", "You can also report here"},
	"diag.report.also.text":          {"Votre signalement aide les enquêteurs à rapprocher les affaires et à faire retirer les contenus. Il ne remplace pas les démarches ci-dessus.", "Your report helps investigators link cases and have content removed. It does not replace the steps above."},
	"form.error.item":                {"%s : %s", "%s: %s"},
	"form.required.unless_anonymous": {"obligatoire sauf si vous restez anonyme", "required unless you stay anonymous"},
	"form.pow":                       {"Vérification anti-robot", "Anti-robot check"},
	"form.submission":                {"Envoi du formulaire", "Form submission"},
	"footer.a11y":                    {"Accessibilité", "Accessibility"},
	"footer.a11y.full":               {"Accessibilité : totalement conforme", "Accessibility: fully compliant"},
	"footer.a11y.partial":            {"Accessibilité : partiellement conforme", "Accessibility: partially compliant"},
	"footer.a11y.none":               {"Accessibilité : non conforme", "Accessibility: not compliant"},
	"inst.unset":                     {"[à compléter par l'installation]", "[to be filled in by the installation]"},
	"inst.name":                      {"Nom", "Name"},
	"inst.address":                   {"Adresse", "Address"},
	"inst.phone":                     {"Téléphone", "Phone"},
	"inst.email":                     {"E-mail", "E-mail"},
	"inst.web":                       {"Site", "Website"},
	"inst.id":                        {"Numéro d'immatriculation", "Registration number"},
	"legal.title":                    {"Mentions légales", "Legal notice"},
	"legal.publisher":                {"Éditeur", "Publisher"},
	"legal.director":                 {"Directeur ou directrice de la publication", "Director of publication"},
	"legal.host":                     {"Hébergeur", "Host"},
	"legal.software":                 {"Logiciel", "Software"},
	"legal.software.text":            {"Ce service fonctionne avec Vigie, un logiciel libre. Il ne dépose aucun cookie et n'utilise aucun service tiers.", "This service runs Vigie, free software. It sets no cookie and uses no third-party service."},
	"legal.more":                     {"Voir aussi", "See also"},
	"privacy.title":                  {"Données personnelles", "Personal data"},
	"privacy.intro":                  {"Ce que ce service fait des données de votre signalement, combien de temps il les garde, qui les voit, et comment exercer vos droits.", "What this service does with the data in your report, how long it keeps it, who sees it, and how to use your rights."},
	"privacy.controller":             {"Responsable du traitement", "Data controller"},
	"privacy.purposes":               {"Finalités", "Purposes"},
	"privacy.basis":                  {"Base légale", "Legal basis"},
	"privacy.data":                   {"Données traitées", "Data processed"},
	"privacy.data.text":              {"Ce que vous écrivez dans le signalement (description, adresses web, lieu, date, montant perdu), les pièces jointes, et, si vous ne restez pas anonyme, votre nom, votre e-mail et votre téléphone. Votre adresse IP n'est ni conservée ni journalisée, et aucun cookie n'est déposé.", "What you write in the report (description, web addresses, place, date, amount lost), the attachments and, unless you stay anonymous, your name, e-mail and phone. Your IP address is neither kept nor logged, and no cookie is set."},
	"privacy.retention":              {"Durées de conservation", "Retention"},
	"privacy.retention.text":         {"Les données personnelles d'un signalement sont effacées automatiquement au terme de la durée fixée pour sa catégorie, comptée depuis sa réception ; un signalement rattaché à une affaire en cours est gardé jusqu'à sa clôture.", "A report's personal data is erased automatically at the end of the period set for its category, counted from its receipt; a report in a case still open is kept until the case is closed."},
	"privacy.retention.period":       {"Durée", "Period"},
	"privacy.retention.after":        {"Après effacement, il ne reste du signalement que sa catégorie, ses dates et son état, pour les statistiques.", "After erasure, only the report's category, dates and status remain, for the figures."},
	"privacy.days.one":               {"%s jour", "%s day"},
	"privacy.days.many":              {"%s jours", "%s days"},
	"privacy.years.one":              {"%s an", "%s year"},
	"privacy.years.many":             {"%s ans", "%s years"},
	"privacy.recipients":             {"Destinataires", "Recipients"},
	"privacy.security":               {"Sécurité", "Security"},
	"privacy.security.text":          {"Vos coordonnées et les pièces jointes sont chiffrées dans la base de données. Chaque consultation par un enquêteur est enregistrée dans un journal infalsifiable.", "Your contact details and attachments are encrypted in the database. Every view by an investigator is recorded in a tamper-evident log."},
	"privacy.rights":                 {"Vos droits", "Your rights"},
	"privacy.rights.text":            {"Vous pouvez demander l'accès à vos données, leur rectification, leur effacement ou la limitation de leur traitement, dans les limites que prévoit la loi pour les traitements liés aux infractions. Écrivez au délégué à la protection des données ci-dessous, en joignant votre numéro de signalement.", "You may ask for access to your data, its correction, its erasure or the restriction of its processing, within the limits the law sets for processing related to offences. Write to the data-protection officer below, with your receipt number."},
	"privacy.dpo":                    {"Délégué à la protection des données", "Data-protection officer"},
	"privacy.authority":              {"Réclamation", "Complaint"},
	"privacy.authority.text":         {"Si vous estimez que vos droits ne sont pas respectés, vous pouvez adresser une réclamation à l'autorité de contrôle :", "If you consider that your rights are not respected, you may complain to the supervisory authority:"},
	"a11y.title":                     {"Déclaration d'accessibilité", "Accessibility statement"},
	"a11y.commitment":                {"L'éditeur de ce service s'engage à le rendre accessible conformément à l'article 47 de la loi n° 2005-102 du 11 février 2005. Cette déclaration s'applique au site de signalement publié par :", "The publisher of this service undertakes to make it accessible under article 47 of French law no. 2005-102 of 11 February 2005. This statement applies to the reporting site published by:"},
	"a11y.schema":                    {"Schéma pluriannuel de mise en accessibilité", "Multi-year accessibility plan"},
	"a11y.status":                    {"État de conformité", "Conformity status"},
	"a11y.status.full":               {"Ce site est totalement conforme au référentiel général d'amélioration de l'accessibilité (RGAA), version 4.1.", "This site is fully compliant with the French accessibility framework (RGAA), version 4.1."},
	"a11y.status.partial":            {"Ce site est partiellement conforme au référentiel général d'amélioration de l'accessibilité (RGAA), version 4.1, en raison des non-conformités énumérées ci-dessous.", "This site is partially compliant with the French accessibility framework (RGAA), version 4.1, because of the non-conformities listed below."},
	"a11y.status.none":               {"Ce site n'est pas conforme au référentiel général d'amélioration de l'accessibilité (RGAA), version 4.1 : aucun audit n'en a encore mesuré la conformité.", "This site is not compliant with the French accessibility framework (RGAA), version 4.1: no audit has measured its conformity yet."},
	"a11y.results":                   {"Résultats des tests", "Test results"},
	"a11y.results.audit":             {"L'audit mené par %s le %s indique que %s des critères du RGAA sont respectés.", "The audit made by %s on %s shows that %s of the RGAA criteria are met."},
	"a11y.results.none":              {"Audit de conformité :", "Conformity audit:"},
	"a11y.results.auto":              {"Chaque version du logiciel est vérifiée automatiquement (axe-core, WCAG 2.1 niveaux A et AA) sur toutes les pages publiques, en français et en anglais, sur grand écran et sur téléphone. Une vérification automatique ne remplace pas un audit.", "Each version of the software is checked automatically (axe-core, WCAG 2.1 levels A and AA) on every public page, in French and English, on a wide screen and on a phone. An automatic check does not replace an audit."},
	"a11y.nonaccessible":             {"Contenus non accessibles", "Content that is not accessible"},
	"a11y.derogations":               {"Dérogations pour charge disproportionnée", "Exemptions for disproportionate burden"},
	"a11y.derogations.none":          {"Aucune.", "None."},
	"a11y.made":                      {"Établissement de cette déclaration", "How this statement was made"},
	"a11y.made.date":                 {"Date", "Date"},
	"a11y.made.tech":                 {"Technologies utilisées", "Technologies used"},
	"a11y.made.tech.text":            {"HTML, CSS ; JavaScript seulement pour la vérification anti-robot, facultative (le service fonctionne sans).", "HTML, CSS; JavaScript only for the optional anti-robot check (the service works without it)."},
	"a11y.made.env":                  {"Environnement de test", "Test environment"},
	"a11y.made.env.text":             {"Chromium avec axe-core, à 1280 et 375 pixels de large, sans JavaScript et avec.", "Chromium with axe-core, at 1280 and 375 pixels wide, with and without JavaScript."},
	"a11y.feedback":                  {"Retour d'information et contact", "Feedback and contact"},
	"a11y.feedback.text":             {"Si vous n'arrivez pas à utiliser un contenu ou un service, écrivez-nous : nous vous proposerons une autre façon d'y accéder ou vous transmettrons le contenu sous une autre forme.", "If you cannot use some content or a service, write to us: we will offer another way to reach it or send you the content in another form."},
	"a11y.appeal":                    {"Voies de recours", "Appeal"},
	"a11y.appeal.text":               {"Si vous nous avez signalé un défaut d'accessibilité qui vous empêche d'accéder à un contenu ou à un service et que notre réponse ne vous satisfait pas, vous pouvez saisir le Défenseur des droits :", "If you told us of an accessibility defect that keeps you from some content or service and our answer does not satisfy you, you may turn to the Défenseur des droits (French rights ombudsman):"},
	"a11y.appeal.form":               {"par le formulaire en ligne du Défenseur des droits ;", "through the Défenseur des droits' online form;"},
	"a11y.appeal.delegate":           {"auprès du délégué du Défenseur des droits de votre région ;", "through the Défenseur des droits' delegate in your region;"},
	"a11y.appeal.post":               {"par courrier, gratuit et sans timbre : Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07.", "by post, free and without a stamp: Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07, France."},
	"contact.title":                  {"Contact", "Contact"},
	"contact.not.reports":            {"Cette adresse ne reçoit pas de signalements et ne répond pas aux urgences (appelez le 17 ou le 112).", "This address does not take reports and does not answer emergencies (call 17 or 112)."},
	"contact.report":                 {"Pour signaler, commencez ici.", "To report, start here."},
	"contact.hours":                  {"Horaires", "Opening hours"},
	"contact.more":                   {"Autres demandes", "Other requests"},
	"contact.privacy":                {"Vos données personnelles et vos droits", "Your personal data and your rights"},
	"contact.a11y":                   {"Un problème d'accessibilité", "An accessibility problem"},
	"embed.title":                    {"Signaler sur Vigie", "Report on Vigie"},
	"embed.heading":                  {"Signaler un contenu illicite en ligne", "Report illicit content online"},
	"embed.heading.category":         {"Signaler : %s", "Report: %s"},
	"embed.text":                     {"Arnaque, hameçonnage, haine, menaces, atteintes aux enfants : signalez-le aux enquêteurs. Vous pouvez rester anonyme.", "Scam, phishing, hatred, threats, harm to children: report it to investigators. You may stay anonymous."},
	"embed.cta":                      {"Faire un signalement", "Make a report"},
	"embed.newtab":                   {"(nouvel onglet)", "(new tab)"},
	// End of issue 16 (doors).

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
	// A receipt to keep, what each status means, news by e-mail (issue 16, parts 3 and 4).
	"receipt.codes":               {"Vos deux codes", "Your two codes"},
	"receipt.save":                {"Garder un reçu", "Keep a receipt"},
	"receipt.download":            {"Télécharger le reçu (PDF)", "Download the receipt (PDF)"},
	"receipt.include_secret":      {"Écrire aussi mon code secret sur le reçu", "Also write my secret on the receipt"},
	"receipt.include_secret.hint": {"Sans cette case, le reçu ne porte pas le code secret : quiconque le verrait pourrait suivre votre signalement. Gardez alors le code à part.", "Unless you tick this, the receipt does not carry the secret: anyone who saw it could follow your report. Keep the secret apart then."},
	"receipt.print":               {"Imprimer cette page", "Print this page"},
	"receipt.print.hint":          {"Cette page s'imprime aussi telle quelle, avec vos deux codes.", "This page also prints as it is, with both codes."},
	"receipt.next":                {"Et maintenant ?", "What next?"},
	"receipt.summary":             {"Ce que vous avez envoyé", "What you sent"},
	"receipt.sent":                {"Envoyé le", "Sent on"},
	"receipt.urls":                {"Adresses web", "Web addresses"},
	"receipt.identifiers":         {"Identifiants relevés", "Identifiers found"},
	"receipt.none":                {"Aucun", "None"},
	"receipt.sep":                 {"\u00a0: ", ": "},
	"receipt.no_attachments":      {"Les pièces jointes ne sont pas reprises ici.", "Attachments are not repeated here."},
	"receipt.news.on":             {"Vous recevrez un e-mail quand votre signalement sera analysé, transmis ou clos. Chaque message contient un lien pour ne plus en recevoir.", "You will receive an email when your report is analysed, referred or closed. Each message has a link to stop them."},
	"receipt.follow":              {"Suivre ce signalement", "Follow this report"},
	"receipt.pdf.title":           {"Reçu de signalement", "Report receipt"},
	"receipt.pdf.no_secret":       {"Le code secret n'est pas écrit sur ce reçu : il vous a été donné à l'envoi. Il faut le numéro et le code pour suivre le signalement.", "The secret is not written on this receipt: it was given to you when you sent the report. Following the report takes the receipt number and the secret."},
	"receipt.pdf.follow":          {"Sur cette page (ou en lisant le code QR), saisissez votre code secret :", "On this page (or by scanning the QR code), enter your secret:"},
	"receipt.pdf.footer":          {"Reçu %s — page %d. Un signalement n'est pas une plainte.", "Receipt %s — page %d. A report is not a complaint."},
	"receipt.ind.domain":          {"Domaine", "Domain"},
	"receipt.ind.ip":              {"Adresse IP", "IP address"},
	"receipt.ind.email":           {"E-mail", "Email"},
	"receipt.ind.phone":           {"Téléphone", "Phone"},
	"receipt.ind.iban":            {"IBAN", "IBAN"},
	"receipt.ind.bic":             {"BIC", "BIC"},
	"receipt.ind.btc":             {"Adresse bitcoin", "Bitcoin address"},
	"receipt.ind.eth":             {"Adresse Ethereum", "Ethereum address"},
	"receipt.ind.trx":             {"Adresse Tron", "Tron address"},
	"receipt.ind.handle":          {"Compte", "Account"},
	"follow.can":                  {"Ce que vous pouvez faire", "What you can do"},
	"follow.statuses":             {"Ce que veut dire chaque état", "What each status means"},
	"status.received.short":       {"Reçu", "Received"},
	"status.analysing.short":      {"En cours d'analyse", "Being analysed"},
	"status.referred.short":       {"Transmis", "Referred"},
	"status.closed.short":         {"Clos", "Closed"},
	"status.received.meaning":     {"Votre signalement est enregistré ; il attend qu'un enquêteur l'examine. Les signalements urgents passent en premier.", "Your report is recorded; it is waiting for an investigator to examine it. Urgent reports come first."},
	"status.analysing.meaning":    {"Un enquêteur l'examine : il vérifie les faits, le rapproche d'autres signalements et décide de la suite.", "An investigator is examining it: checking the facts, linking it with other reports and deciding what follows."},
	"status.referred.meaning":     {"Il a été transmis au service compétent (service d'enquête, parquet, hébergeur ou partenaire), qui décide de la suite.", "It has been passed to the competent service (investigators, prosecutor, host or partner), which decides what follows."},
	"status.closed.meaning":       {"L'analyse est terminée : le signalement a été traité, rapproché d'un autre, ou jugé hors du champ de ce service.", "The analysis is over: the report was handled, joined to another, or found outside this service's remit."},
	"status.received.can":         {"Si vous avez des éléments nouveaux, faites un nouveau signalement en citant ce numéro.", "If you have new information, make a new report quoting this receipt."},
	"status.analysing.can":        {"Si vous avez des éléments nouveaux, faites un nouveau signalement en citant ce numéro.", "If you have new information, make a new report quoting this receipt."},
	"status.referred.can":         {"Un signalement n'est pas une plainte : si vous êtes victime, vous pouvez porter plainte en citant ce numéro.", "A report is not a complaint: if you are a victim, you can file a complaint quoting this receipt."},
	"status.closed.can":           {"Vous pouvez toujours porter plainte, ou faire un nouveau signalement si les faits continuent.", "You can still file a complaint, or make a new report if it goes on."},
	"form.notify":                 {"Je souhaite recevoir un e-mail quand mon signalement est analysé, transmis ou clos", "I want an email when my report is analysed, referred or closed"},
	"form.notify.hint":            {"Facultatif. Il faut une adresse e-mail. Les messages ne donnent que l'état du signalement, jamais son contenu ni votre code secret ; chacun permet d'arrêter.", "Optional. It takes an email address. Messages give only the report's status, never its content nor your secret; each lets you stop them."},
	"news.stop.title":             {"Ne plus recevoir d'e-mails", "Stop the emails"},
	"news.stop.intro":             {"Appuyez sur le bouton pour ne plus recevoir d'e-mail au sujet du signalement", "Press the button to receive no more emails about the report"},
	"news.stop.after":             {"Votre signalement n'en est pas changé : il suit son cours, et vous pouvez toujours le suivre avec son numéro et votre code secret.", "Your report is not affected: it goes on, and you can still follow it with its receipt and your secret."},
	"news.stop.button":            {"Ne plus recevoir d'e-mails", "Stop the emails"},
	"news.stop.done":              {"C'est fait : vous ne recevrez plus d'e-mail au sujet du signalement", "Done: you will receive no more emails about the report"},
	"news.stop.bad":               {"Ce lien n'est pas valable. Copiez le lien entier depuis l'e-mail reçu.", "This link is not valid. Copy the whole link from the email."},
	"news.mail.subject":           {"Votre signalement %s : %s", "Your report %s: %s"},
	"news.mail.hello":             {"Bonjour,", "Hello,"},
	"news.mail.changed":           {"Votre signalement %s a changé d'état.", "Your report %s has a new status."},
	"news.mail.follow":            {"Pour le suivre, ouvrez cette page et saisissez votre code secret (il n'est jamais envoyé par e-mail) :", "To follow it, open this page and enter your secret (it is never sent by email):"},
	"news.mail.why":               {"Vous recevez ce message parce que vous l'avez demandé en faisant votre signalement.", "You receive this message because you asked for it when you made your report."},
	"news.mail.stop":              {"Pour ne plus en recevoir :", "To stop these messages:"},
	"news.mail.noreply":           {"Ce message est envoyé automatiquement ; n'y répondez pas.", "This message is sent automatically; please do not reply."},
	"notfound.title":              {"Page introuvable", "Page not found"},
	"notfound.text":               {"Cette page n'existe pas.", "This page does not exist."},
	"footer.privacy":              {"Vos données sont réservées aux enquêteurs habilités. Aucun cookie n'est utilisé.", "Your data is seen only by authorised investigators. No cookies are used."},
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
