package problem

type message struct{ en, fr string }

// catalogue holds every problem's text, in English and French, with the
// same arguments in the same order. Codes are grouped by the package that
// raises them.
var catalogue = map[string]message{
	// Free text in cases, notes and reasons.
	"text.invalid_utf8": {"%s is not valid UTF-8", "%s : texte illisible (UTF-8 invalide)"},
	"text.required":     {"%s is required", "%s : champ obligatoire"},
	"text.too_long":     {"%s is too long (%d characters, at most %d)", "%s : trop long (%d caractères, %d au plus)"},

	// casefile
	"report.unknown_receipt":        {"no report has the receipt %s", "Aucun signalement n'a le récépissé %s."},
	"case.unknown_ref":              {"no case %q: give its number (F-2026-000123)", "Aucune fiche %q : indiquez son numéro (F-2026-000123)."},
	"case.no_reports":               {"a case needs at least one report", "Une fiche réunit au moins un signalement."},
	"case.unknown_category":         {"unknown category %q", "Catégorie inconnue : %q."},
	"case.legal_not_in_category":    {"legal reference %q is not one of the category's (%s)", "La référence %q n'est pas l'une de celles de la catégorie (%s)."},
	"case.legal_required":           {"choose at least one legal reference", "Choisissez au moins une référence légale."},
	"case.unknown_priority":         {"unknown priority %q", "Priorité inconnue : %q."},
	"case.not_qualified":            {"qualify the case before referring it", "Qualifiez la fiche avant de la transmettre."},
	"case.no_destination":           {"choose at least one destination", "Choisissez au moins un destinataire."},
	"case.override_needs_reason":    {"the destinations differ from the proposal (%s): give a reason", "Les destinataires s'écartent de la proposition (%s) : donnez une raison."},
	"case.already_acknowledged":     {"this referral was already acknowledged", "Cette transmission a déjà été accusée."},
	"case.unknown_departement":      {"unknown département %q (e.g. 75, 2A, 974)", "Département inconnu : %q (par exemple 75, 2A, 974)."},
	"case.bad_country":              {"the reporter's country is a two-letter ISO code (e.g. FR, BE)", "Le pays du signalant s'écrit en code ISO de deux lettres (par exemple FR, BE)."},
	"case.unknown_outcome":          {"unknown outcome %q", "Suite inconnue : %q."},
	"case.cannot_reopen":            {"only a closed case that was not merged can be reopened", "Seule une fiche close, non fusionnée, peut être rouverte."},
	"case.reports_taken":            {"one of the reports already belongs to a case", "Un des signalements appartient déjà à une fiche : retirez-le de la sélection."},
	"case.choose_reports":           {"choose at least one report", "Choisissez au moins un signalement."},
	"case.report_not_in_case":       {"report %s is not in this case", "Le signalement %s n'appartient pas à cette fiche."},
	"case.last_report":              {"a case keeps at least one report: close it instead", "Une fiche garde au moins un signalement : closez-la plutôt."},
	"case.merge_into_itself":        {"a case cannot be merged into itself", "Une fiche ne peut pas être fusionnée avec elle-même."},
	"case.split_some_not_all":       {"choose some, not all, of the case's reports to split off", "Choisissez une partie, et non la totalité, des signalements à détacher."},
	"case.unknown_destination":      {"unknown destination %q", "Destinataire inconnu : %q."},
	"case.not_referred_to_you":      {"this case was not referred to your service", "Cette fiche n'a pas été transmise à votre service."},
	"case.merge_target_required":    {"give the id of the case to merge into this one", "Indiquez l'identifiant de la fiche à fusionner dans celle-ci."},
	"case.unknown_status":           {"unknown status", "Statut inconnu."},
	"case.trace_off":                {"hosting traces are turned off on this server", "Le traçage de l'hébergement est désactivé sur ce serveur."},
	"case.checks_off":               {"checks are turned off on this server", "Les vérifications sont désactivées sur ce serveur."},
	"case.report_id_invalid":        {"not a report id", "Ce n'est pas un identifiant de signalement."},
	"case.duplicate_target_unknown": {"the report it duplicates does not exist", "Le signalement dont il serait le doublon n'existe pas."},

	// removal
	"notice.unknown_kind":       {"unknown kind of notice %q (removal-order, administrative or notice)", "Type de demande inconnu : %q (removal-order, administrative ou notice)."},
	"notice.url_not_in_case":    {"the URL must be one of the case's reported URLs", "L'adresse doit être l'une des adresses signalées dans la fiche."},
	"notice.host_required":      {"name the hosting provider (200 characters at most)", "Nommez l'hébergeur (200 caractères au plus)."},
	"notice.never_fetched":      {"this category's content is never fetched by the server: record the result by hand", "Le serveur ne consulte jamais les contenus de cette catégorie : notez le résultat vous-même."},
	"notice.not_http":           {"only http and https addresses can be checked", "Seules les adresses http et https peuvent être vérifiées."},
	"notice.address_not_public": {"the address is not public: not checked", "L'adresse n'est pas publique : elle n'a pas été vérifiée."},

	// triage
	"triage.unknown_state":          {"unknown state %q", "État inconnu : %q."},
	"triage.bad_cursor":             {"invalid page cursor", "Curseur de page invalide."},
	"triage.unknown_decision":       {"unknown decision %q (want unfounded, duplicate or not_competent)", "Décision inconnue : %q (unfounded, duplicate ou not_competent)."},
	"triage.reason_required":        {"a decision needs a reason", "Une décision doit être motivée."},
	"triage.reason_invalid":         {"the reason must be valid text of at most 1000 characters", "Le motif doit être un texte valide de 1000 caractères au plus."},
	"triage.duplicate_needs_target": {"a duplicate needs the report it duplicates", "Un doublon désigne le signalement qu'il répète."},
	"triage.too_many":               {"at most 500 reports at a time", "500 signalements au plus à la fois."},
	"wave.too_many":                 {"a wave of more than 50,000 open reports is decided in parts: put some in a case first", "Une vague de plus de 50 000 signalements ouverts se décide en plusieurs fois : placez-en d'abord dans un dossier."},
	"wave.nothing_open":             {"no report of this wave waits for a decision", "Aucun signalement de cette vague n'attend de décision."},
	"triage.bad_assignee":           {"reports can only be assigned to an active analyst or supervisor", "Un signalement ne s'attribue qu'à un analyste ou superviseur actif."},
	"triage.unknown_category":       {"unknown category", "Catégorie inconnue."},
	"triage.unknown_channel":        {"unknown channel", "Canal inconnu."},
	"triage.related_yes_no":         {"related is yes or no", "« Liés » vaut oui ou non."},
	"triage.bad_date":               {"dates are written YYYY-MM-DD", "Les dates s'écrivent AAAA-MM-JJ."},

	// account
	"account.unknown_role":         {"unknown role %q (admin, supervisor, analyst, auditor, destination or oversight)", "Rôle inconnu : %q (admin, supervisor, analyst, auditor, destination ou oversight)."},
	"account.invalid_email":        {"invalid e-mail address %q", "Adresse électronique invalide : %q."},
	"account.exists":               {"an account with this e-mail already exists", "Un compte existe déjà avec cette adresse."},
	"account.already_enrolled":     {"this account is already active: it needs no activation link", "Ce compte est déjà actif : il n'a pas besoin de lien d'activation."},
	"account.password_utf8":        {"the password is not valid UTF-8", "Le mot de passe contient des caractères illisibles (UTF-8 invalide)."},
	"account.password_short":       {"the password is too short: at least %d characters", "Mot de passe trop court : %d caractères au moins."},
	"account.password_long":        {"the password is too long: at most %d characters", "Mot de passe trop long : %d caractères au plus."},
	"account.password_weak":        {"this password is too easy to guess (a common word, a name, a keyboard row, a repeated or dated pattern): choose a phrase of several unrelated words", "Ce mot de passe est trop facile à deviner (mot courant, nom, rangée du clavier, motif répété ou date) : choisissez une phrase de plusieurs mots sans rapport entre eux."},
	"account.password_mismatch":    {"the two new passwords differ", "Les deux nouveaux mots de passe diffèrent."},
	"account.password_wrong":       {"the current password is not right", "Le mot de passe actuel n'est pas le bon."},
	"account.disable_self":         {"you cannot disable your own account", "Vous ne pouvez pas désactiver votre propre compte."},
	"account.passkey_exists":       {"this passkey is already registered", "Cette clé d'accès est déjà enregistrée."},
	"account.last_factor":          {"this is your last second factor: add another before removing it", "C'est votre dernier second facteur : ajoutez-en un autre avant de le retirer."},
	"account.passkey_expired":      {"the passkey request expired or was already used: start again", "La demande de clé d'accès a expiré ou a déjà servi : recommencez."},
	"account.passkey_refused":      {"the passkey's answer was refused: try again", "La réponse de la clé d'accès a été refusée : réessayez."},
	"account.passkey_name":         {"give the passkey a name of at most %d characters", "Donnez à la clé d'accès un nom de %d caractères au plus."},
	"account.totp_mismatch":        {"the code does not match the key shown: check the authenticator app's clock and try the next code", "Le code ne correspond pas à la clé affichée : vérifiez l'heure de l'application et essayez le code suivant."},
	"account.destination_required": {"a destination user needs --destination (the service's code)", "Un compte de destinataire indique son service (--destination)."},

	// search, audit viewer and statistics
	"search.too_long":      {"the search is too long (500 characters at most)", "La recherche est trop longue (500 caractères au plus)."},
	"page.bad":             {"bad page", "Page invalide."},
	"date.from":            {"from: a date written YYYY-MM-DD", "Du : une date écrite AAAA-MM-JJ."},
	"date.to":              {"to: a date written YYYY-MM-DD", "Au : une date écrite AAAA-MM-JJ."},
	"stats.bad_range":      {"the range must run forward and span at most ten years", "La période doit aller vers l'avant et couvrir dix ans au plus."},
	"stats.unknown_period": {"unknown period %q (day, week or month)", "Période inconnue : %q (day, week ou month)."},
	"transparency.year":    {"unknown year %q", "Année inconnue : %q."},

	// banks of known content (issue 14)
	"bank.bad_name":     {"a bank's name is 1 to 100 printable characters, without slash: %q", "Le nom d'une liste compte de 1 à 100 caractères imprimables, sans barre oblique : %q."},
	"bank.bad_label":    {"a label or category is at most 200 printable characters", "Un libellé ou une catégorie compte 200 caractères imprimables au plus."},
	"bank.unknown":      {"no bank named %q", "Aucune liste nommée %q."},
	"bank.bad_file":     {"the file could not be read: %s", "Le fichier n'a pas pu être lu : %s."},
	"bank.too_many":     {"at most %d entries in one import", "%d entrées au plus par import."},
	"bank.bad_format":   {"unknown format %q (csv, json, te-csv or stix)", "Format inconnu : %q (csv, json, te-csv ou stix)."},
	"bank.not_image":    {"only an image attachment can be classified", "Seule une image jointe peut être classée."},
	"bank.label_needed": {"a classification needs a label or a category", "Un classement demande un libellé ou une catégorie."},

	// oversight of blocking requests
	"oversight.bad_decision":    {"choose approve or refuse", "Choisissez d'approuver ou de refuser."},
	"oversight.reason_required": {"a refusal needs a reason: say why the request must not be blocked", "Un refus doit être motivé : dites pourquoi la demande ne doit pas être bloquée."},
	"oversight.reason_too_long": {"the reason is %d characters at most", "Le motif fait %d caractères au plus."},
	"oversight.none_selected":   {"select at least one request", "Cochez au moins une demande."},
	"oversight.too_many":        {"at most %d requests in one decision", "%d demandes au plus par décision."},
}
