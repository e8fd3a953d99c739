package web

import (
	"testing"
	"time"
)

func TestNumbersMoneyAndDates(t *testing.T) {
	fr, en := TranslatorFor("fr"), TranslatorFor("en")
	for _, tc := range []struct{ got, want string }{
		{fr.Number(12345), "12\u202f345"},
		{fr.Number(int64(1234567)), "1\u202f234\u202f567"},
		{fr.Number(999), "999"},
		{en.Number(12345), "12,345"},
		{fr.Money(45000, "EUR"), "450,00\u00a0€"},
		{fr.Money(123456789, "eur"), "1\u202f234\u202f567,89\u00a0€"},
		{en.Money(45000, "EUR"), "€450.00"},
		{fr.Money(5, "XOF"), "0,05\u00a0XOF"},
		{en.Money(-1999, "CHF"), "-CHF 19.99"},
		// 23:30 UTC on 1 December is already 2 December in Paris (UTC+1).
		{fr.DateTime(time.Date(2026, 12, 1, 23, 30, 0, 0, time.UTC)), "2 déc. 2026 à 00:30"},
		{en.DateTime(time.Date(2026, 7, 14, 10, 0, 0, 0, time.UTC)), "14 Jul 2026, 12:00"},
		{fr.Date(time.Date(2026, 3, 29, 23, 0, 0, 0, time.UTC)), "30 mars 2026"},
		{fr.ISOTime(time.Date(2026, 12, 1, 23, 30, 0, 0, time.UTC)), "2026-12-02T00:30:00+01:00"},
		{fr.DateTime(time.Time{}), "—"},
		{fr.age(90 * time.Second), "1 min"},
		{fr.age(5*time.Hour + 59*time.Minute), "5 h"},
		{fr.age(47 * time.Hour), "47 h"},
		{fr.age(3*24*time.Hour + time.Hour), "3 j"},
		{en.age(1500 * 24 * time.Hour), "1,500 d"},
		{fr.Plural("ws.search.count", 1), "1 signalement"},
		{fr.Plural("ws.search.count", 0), "0 signalement"},
		{fr.Plural("ws.search.count", int64(12345)), "12\u202f345 signalements"},
		{en.Plural("ws.search.count", 0), "0 reports"},
		{fr.Say("ws.priority", "high"), "haute"},
		{en.Say("ws.event", "reports.added"), "reports added"},
		{fr.Say("ws.event", "unforeseen"), "unforeseen"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestDecimalAndShortDurations(t *testing.T) {
	fr, en := TranslatorFor("fr"), TranslatorFor("en")
	if got := fr.Decimal(2.14); got != "2,1" {
		t.Errorf("fr decimal %q", got)
	}
	if got := en.Decimal(2.16); got != "2.2" {
		t.Errorf("en decimal %q", got)
	}
	if got := fr.Duration(12 * time.Second); got != "12 s" {
		t.Errorf("12 s said %q", got)
	}
	if got := fr.Duration(3 * time.Hour); got != "3 h" {
		t.Errorf("3 h said %q", got)
	}
}
