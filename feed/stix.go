package feed

import (
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/vigie-platform/vigie/export"
)

// STIXTime is a STIX timestamp (UTC, milliseconds).
func STIXTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// literal is a string literal of the STIX pattern grammar: only the quote
// and the backslash are escaped.
func literal(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// IndicatorID is the STIX id of the indicator of an approved request: the
// installation's namespace (export.InstallationNamespace) and the
// request's id, so that every instance and every download name it alike.
func IndicatorID(ns uuid.UUID, e Entry) string {
	return export.ObjectID(ns, "indicator", "blocking", e.ID)
}

// Indicator is the STIX 2.1 indicator of an approved request: its URL,
// and its host name when the RPZ lists it. created and valid_from are the
// approval; a content confirmed gone makes the indicator valid until the
// end of the grace period, and modifies it then (its version).
func Indicator(ns uuid.UUID, e Entry, o Options) map[string]any {
	pattern := "[url:value = " + literal(TextLine(e.URL)) + "]"
	if name := o.rpzName(&e); name != "" {
		pattern += " OR [domain-name:value = " + literal(name) + "]"
	}
	created := STIXTime(e.ApprovedAt)
	obj := map[string]any{
		"type": "indicator", "spec_version": "2.1", "id": IndicatorID(ns, e),
		"created": created, "modified": Version(e, o), "name": "Blocked " + TextLine(e.URL),
		"indicator_types": []string{"malicious-activity"}, "pattern": pattern, "pattern_type": "stix",
		"valid_from": created,
	}
	if e.Category != "" {
		obj["labels"] = []string{e.Category}
	}
	if !e.GoneSince.IsZero() {
		obj["valid_until"] = STIXTime(later(e.GoneSince.Add(o.Grace), e.ApprovedAt.Add(time.Millisecond)))
	}
	return obj
}

// Version is the indicator's modified time: the approval, or the time its
// content was confirmed gone.
func Version(e Entry, o Options) string {
	if !e.GoneSince.IsZero() && e.GoneSince.After(e.ApprovedAt) {
		return STIXTime(e.GoneSince)
	}
	return STIXTime(e.ApprovedAt)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
