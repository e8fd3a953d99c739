package report

import "fmt"

// Messages for each problem code, in the portal's two languages. The API
// answers in English; the form in the reader's language.
var problemMessages = map[string][2]string{ // [fr, en]
	"required":                 {"Ce champ est obligatoire.", "This field is required."},
	"too_long":                 {"Ce texte est trop long (%d caractères au plus).", "This text is too long (at most %d characters)."},
	"too_many":                 {"Trop d'éléments (%d au plus).", "Too many items (at most %d)."},
	"too_many_files":           {"Trop de fichiers (%d au plus).", "Too many files (at most %d)."},
	"too_large":                {"Ce fichier est trop gros (%d octets au plus).", "This file is too large (at most %d bytes)."},
	"empty_file":               {"Ce fichier est vide.", "This file is empty."},
	"invalid_url":              {"Ce n'est pas une adresse web valide.", "Not a valid URL."},
	"unknown_category":         {"Cette catégorie n'existe pas.", "Unknown category."},
	"invalid_date":             {"Date invalide (attendu : AAAA-MM-JJ).", "Not a valid date (expected YYYY-MM-DD)."},
	"future_date":              {"Cette date est dans le futur.", "This date is in the future."},
	"contact_required":         {"Indiquez un e-mail ou un téléphone, ou cochez « rester anonyme ».", "Give an email or a phone number, or choose to stay anonymous."},
	"news_needs_email":         {"Pour recevoir des nouvelles, indiquez votre adresse e-mail (sans rester anonyme).", "To receive news, give your email address (without staying anonymous)."},
	"invalid_email":            {"Adresse e-mail invalide.", "Not a valid email address."},
	"invalid_phone":            {"Numéro de téléphone invalide.", "Not a valid phone number."},
	"invalid_amount":           {"Montant invalide (exemple : 1250,50).", "Not a valid amount (example: 1250.50)."},
	"invalid_currency":         {"Devise invalide (code à trois lettres, ex. EUR).", "Not a valid currency (three-letter code, e.g. EUR)."},
	"unknown_payment_means":    {"Moyen de paiement inconnu.", "Unknown payment means."},
	"invalid_utf8":             {"Texte mal encodé (UTF-8 attendu).", "Text is not valid UTF-8."},
	"control_chars":            {"Ce texte contient des caractères de contrôle.", "This text contains control characters."},
	"must_be_empty":            {"Ce champ doit rester vide.", "This field must stay empty."},
	"invalid_proof":            {"La vérification anti-robot a échoué ; rechargez la page et réessayez.", "The anti-robot check failed; reload the page and try again."},
	"not_allowed_for_category": {"Aucun fichier n'est accepté pour cette catégorie : donnez seulement les adresses.", "No files are accepted for this category: give only the addresses."},
	"invalid_hash":             {"Empreinte invalide (type md5, sha1, sha256 ou pdq et valeur hexadécimale).", "Not a valid hash (type md5, sha1, sha256 or pdq, and a hex value)."},
	"unknown_field":            {"Champ inconnu.", "Unknown field."},
	"invalid_type":             {"Type de valeur incorrect.", "Wrong type of value."},
}

// Message renders the problem for people, in French unless lang is "en".
func (p Problem) Message(lang string) string {
	m, ok := problemMessages[p.Code]
	if !ok {
		m = [2]string{"Valeur invalide.", "Invalid value."}
	}
	s := m[0]
	if lang == "en" {
		s = m[1]
	}
	if p.Limit > 0 {
		return fmt.Sprintf(s, p.Limit)
	}
	return s
}
