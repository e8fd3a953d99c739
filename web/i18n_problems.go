package web

import (
	"errors"
	"fmt"
	"strings"
)

// problemsFR says in French what the domain and the workspace forms
// report in English: the key is the English format, the value a French
// format taking the same arguments in the same order.
// TestProblemsTranslated fails when a message has no entry here.
var problemsFR = map[string]string{
	// casefile
	"%s is not valid UTF-8":                                         "%s : texte illisible (UTF-8 invalide)",
	"%s is required":                                                "%s : champ obligatoire",
	"%s is too long (%d characters, at most %d)":                    "%s : trop long (%d caractères, %d au plus)",
	"a case needs at least one report":                              "Une fiche réunit au moins un signalement.",
	"unknown category %q":                                           "Catégorie inconnue : %q.",
	"legal reference %q is not one of the category's (%s)":          "La référence %q n'est pas l'une de celles de la catégorie (%s).",
	"choose at least one legal reference":                           "Choisissez au moins une référence légale.",
	"unknown priority %q":                                           "Priorité inconnue : %q.",
	"qualify the case before referring it":                          "Qualifiez la fiche avant de la transmettre.",
	"choose at least one destination":                               "Choisissez au moins un destinataire.",
	"the destinations differ from the proposal (%s): give a reason": "Les destinataires s'écartent de la proposition (%s) : donnez une raison.",
	"this referral was already acknowledged":                        "Cette transmission a déjà été accusée.",
	"unknown département %q (e.g. 75, 2A, 974)":                     "Département inconnu : %q (par exemple 75, 2A, 974).",
	"the reporter's country is a two-letter ISO code (e.g. FR, BE)": "Le pays du signalant s'écrit en code ISO de deux lettres (par exemple FR, BE).",
	"unknown outcome %q":                                            "Suite inconnue : %q.",
	"only a closed case that was not merged can be reopened":        "Seule une fiche close, non fusionnée, peut être rouverte.",
	"choose at least one report":                                    "Choisissez au moins un signalement.",
	"report %s is not in this case":                                 "Le signalement %s n'appartient pas à cette fiche.",
	"a case keeps at least one report: close it instead":            "Une fiche garde au moins un signalement : closez-la plutôt.",
	"a case cannot be merged into itself":                           "Une fiche ne peut pas être fusionnée avec elle-même.",
	"choose some, not all, of the case's reports to split off":      "Choisissez une partie, et non la totalité, des signalements à détacher.",
	// removal
	"unknown kind of notice %q (removal-order, administrative or notice)":               "Type de demande inconnu : %q (removal-order, administrative ou notice).",
	"the URL must be one of the case's reported URLs":                                   "L'adresse doit être l'une des adresses signalées dans la fiche.",
	"name the hosting provider (200 characters at most)":                                "Nommez l'hébergeur (200 caractères au plus).",
	"this category's content is never fetched by the server: record the result by hand": "Le serveur ne consulte jamais les contenus de cette catégorie : notez le résultat vous-même.",
	"only http and https addresses can be checked":                                      "Seules les adresses http et https peuvent être vérifiées.",
	"the address is not public: not checked":                                            "L'adresse n'est pas publique : elle n'a pas été vérifiée.",
	// workspace forms
	"at most 500 reports at a time":                                        "500 signalements au plus à la fois.",
	"bad page":                                                             "Page invalide.",
	"checks are turned off on this server":                                 "Les vérifications sont désactivées sur ce serveur.",
	"dates are written YYYY-MM-DD":                                         "Les dates s'écrivent AAAA-MM-JJ.",
	"from: a date written YYYY-MM-DD":                                      "Du : une date écrite AAAA-MM-JJ.",
	"to: a date written YYYY-MM-DD":                                        "Au : une date écrite AAAA-MM-JJ.",
	"give the id of the case to merge into this one":                       "Indiquez l'identifiant de la fiche à fusionner dans celle-ci.",
	"not a report id":                                                      "Ce n'est pas un identifiant de signalement.",
	"related is yes or no":                                                 "« Liés » vaut oui ou non.",
	"reports can only be assigned to an active analyst or supervisor":      "Un signalement ne s'attribue qu'à un analyste ou superviseur actif.",
	"the range must run forward and span at most ten years":                "La période doit aller vers l'avant et couvrir dix ans au plus.",
	"the report it duplicates does not exist":                              "Le signalement dont il serait le doublon n'existe pas.",
	"the search is too long (500 characters at most)":                      "La recherche est trop longue (500 caractères au plus).",
	"unknown category":                                                     "Catégorie inconnue.",
	"unknown channel":                                                      "Canal inconnu.",
	"unknown destination %q":                                               "Destinataire inconnu : %q.",
	"unknown status":                                                       "Statut inconnu.",
	"you cannot disable your own account":                                  "Vous ne pouvez pas désactiver votre propre compte.",
	"unknown period %q (day, week or month)":                               "Période inconnue : %q (day, week ou month).",
	"unknown role %q (admin, supervisor, analyst, auditor or destination)": "Rôle inconnu : %q (admin, supervisor, analyst, auditor ou destination).",
	"unknown state %q":                                                     "État inconnu : %q.",
	"invalid e-mail address %q":                                            "Adresse électronique invalide : %q.",
	// errors of other packages shown as they are (fixed texts)
	"invalid page cursor":                                      "Curseur de page invalide.",
	"a decision needs a reason":                                "Une décision doit être motivée.",
	"the reason must be valid text of at most 1000 characters": "Le motif doit être un texte valide de 1000 caractères au plus.",
	"a duplicate needs the report it duplicates":               "Un doublon désigne le signalement qu'il répète.",
	"an account with this e-mail already exists":               "Un compte existe déjà avec cette adresse.",
}

// fieldsFR names the form fields that domain messages mention.
var fieldsFR = map[string]string{
	"title": "Titre", "summary": "Résumé", "note": "Note", "reason": "Motif", "outcome": "Suite",
}

// Problem says err in the page's language: errors that keep their format
// apart (Message) are translated, any other is shown as it is.
func (p Page) Problem(err error) string {
	var m interface{ Message() (string, []any) }
	if !errors.As(err, &m) {
		return err.Error()
	}
	format, args := m.Message()
	if p.Lang == "en" {
		return fmt.Sprintf(format, args...)
	}
	fr, ok := problemsFR[format]
	if !ok {
		return fmt.Sprintf(format, args...)
	}
	out := make([]any, len(args))
	for i, a := range args {
		if s, ok := a.(string); ok && fieldsFR[s] != "" {
			a = fieldsFR[s]
		}
		out[i] = a
	}
	return fmt.Sprintf(fr, out...)
}

// BadError turns an error of another package into a form problem; its
// text becomes the format, so that fixed texts are translated too.
func BadError(err error) error {
	var m interface{ Message() (string, []any) }
	if errors.As(err, &m) {
		format, args := m.Message()
		return inputError{format, args}
	}
	return inputError{strings.ReplaceAll(err.Error(), "%", "%%"), nil}
}

// ErrInvalidInput wraps a form problem the user can fix.
var ErrInvalidInput = errors.New("invalid input")

type inputError struct {
	format string
	args   []any
}

func (e inputError) Error() string            { return fmt.Sprintf(e.format, e.args...) }
func (e inputError) Is(target error) bool     { return target == ErrInvalidInput }
func (e inputError) Message() (string, []any) { return e.format, e.args }

// BadInput is a form problem the user can fix; format is English and is
// translated through problemsFR.
func BadInput(format string, args ...any) error { return inputError{format, args} }
