package web

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Number writes a count with its thousands grouped as the page's language
// does: « 12 345 » (a narrow no-break space) or "12,345".
func (t Translator) Number(n any) string {
	v, ok := asInt64(n)
	if !ok {
		return fmt.Sprint(n)
	}
	sep := ","
	if t.lang == "fr" {
		sep = "\u202f"
	}
	return group(strconv.FormatInt(v, 10), sep)
}

// asInt64 reads the integer kinds that templates hand over.
func asInt64(n any) (int64, bool) {
	switch x := n.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case uint:
		return int64(x), true
	case uint64:
		return int64(x), true
	}
	return 0, false
}

func group(digits, sep string) string {
	sign := ""
	if strings.HasPrefix(digits, "-") {
		sign, digits = "-", digits[1:]
	}
	var b strings.Builder
	for i := range len(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteByte(digits[i])
	}
	return sign + b.String()
}

// currencySymbols are the symbols people read for the currencies reports
// use most; others are written with their ISO code.
var currencySymbols = map[string]string{"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF"}

// Money writes an amount given in hundredths: « 450,00 € » in French,
// "€450.00" in English.
func (t Translator) Money(cents int64, currency string) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	units, hundredths := cents/100, cents%100
	symbol, ok := currencySymbols[strings.ToUpper(currency)]
	if !ok {
		symbol = strings.ToUpper(currency)
	}
	if t.lang == "fr" {
		return fmt.Sprintf("%s%s,%02d\u00a0%s", sign, group(strconv.FormatInt(units, 10), "\u202f"), hundredths, symbol)
	}
	if utf8.RuneCountInString(symbol) > 1 {
		return fmt.Sprintf("%s%s %s.%02d", sign, symbol, group(strconv.FormatInt(units, 10), ","), hundredths)
	}
	return fmt.Sprintf("%s%s%s.%02d", sign, symbol, group(strconv.FormatInt(units, 10), ","), hundredths)
}

// Decimal writes v with one decimal, with the language's mark: « 2,1 »
// in French, "2.1" in English.
func (t Translator) Decimal(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if t.lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// Euros writes an amount given in euros (a sum of losses).
func (t Translator) Euros(v float64) string {
	return t.Money(int64(math.Round(v*100)), "EUR")
}

// Plural says a count with its noun: the words of key+".one" for one (and,
// in French, for zero), of key+".many" otherwise, given the grouped number.
func (t Translator) Plural(key string, n any) string {
	v, _ := asInt64(n)
	form := ".many"
	if v == 1 || (v == 0 && t.lang == "fr") {
		form = ".one"
	}
	return t.T(key+form, t.Number(n))
}
