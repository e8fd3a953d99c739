package web

import (
	"fmt"
	"time"

	"github.com/vigie-platform/vigie/stats"
)

// Paris is the time zone in which people read dates: the one in which the
// figures count days (stats.Zone).
var Paris = stats.Zone

var monthsFR = [...]string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."}

// DateTime says an instant as a person in France reads it, in the page's
// language: « 2 déc. 2026 à 07:15 » or "2 Dec 2026, 07:15".
func (t Translator) DateTime(at time.Time) string {
	if at.IsZero() {
		return "—"
	}
	local := at.In(Paris)
	if t.lang == "fr" {
		return fmt.Sprintf("%d %s %d à %s", local.Day(), monthsFR[local.Month()-1], local.Year(), local.Format("15:04"))
	}
	return local.Format("2 Jan 2006, 15:04")
}

// Date says a day as a person in France reads it: « 2 déc. 2026 ».
func (t Translator) Date(at time.Time) string {
	if at.IsZero() {
		return "—"
	}
	local := at.In(Paris)
	if t.lang == "fr" {
		return fmt.Sprintf("%d %s %d", local.Day(), monthsFR[local.Month()-1], local.Year())
	}
	return local.Format("2 Jan 2006")
}

// ISOTime is an instant for a <time datetime> attribute, in Paris time
// with its offset, so that the attribute and the text agree.
func (t Translator) ISOTime(at time.Time) string {
	return at.In(Paris).Format(time.RFC3339)
}

// Age says how long ago at was, shortly: « 12 min », « 5 h », « 3 j ».
func (t Translator) Age(at time.Time) string { return t.age(time.Since(at)) }

// Duration says a length of time shortly, as Age does (« 45 min »,
// « 5 h »), and in seconds under a minute (an alert's delay: « 12 s »).
func (t Translator) Duration(d time.Duration) string {
	if d > 0 && d < time.Minute {
		return fmt.Sprintf("%d s", int(d/time.Second))
	}
	return t.age(d)
}

// Due says how far a deadline is, shortly: « dans 2 h », « en retard de
// 3 j ».
func (t Translator) Due(at time.Time) string {
	if d := time.Until(at); d >= 0 {
		return t.T("due.in", t.age(d))
	}
	return t.T("due.late", t.age(time.Since(at)))
}

func (t Translator) age(d time.Duration) string {
	day := "j"
	if t.lang == "en" {
		day = "d"
	}
	switch {
	case d < time.Minute:
		return "0 min"
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d/time.Hour))
	}
	return fmt.Sprintf("%s %s", t.Number(int(d/(24*time.Hour))), day)
}
