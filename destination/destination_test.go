package destination

import (
	"strings"
	"testing"
	"time"
)

func TestDefaultRegistry(t *testing.T) {
	r := Default()
	for _, code := range []string{"ofac", "ofmin", "gendarmerie-cyber", "customs-cyber", "antiterrorism", "interpol", "hotline-abroad", "local-police-75", "local-gendarmerie-2a", "local-police-974"} {
		if _, ok := r.Lookup(code); !ok {
			t.Errorf("%s missing", code)
		}
	}
	d, _ := r.Lookup("local-police-2b")
	if d.Name.FR != "Police, département 2B" || d.Jurisdiction.Departements[0] != "2B" || d.AcknowledgeWithin != 168*time.Hour {
		t.Errorf("local service: %+v", d)
	}
	if at, _ := r.Lookup("antiterrorism"); at.AcknowledgeWithin != time.Hour {
		t.Errorf("antiterrorism deadline %v", at.AcknowledgeWithin)
	}
	if i, _ := r.Lookup("interpol"); !i.Abroad() {
		t.Error("interpol is not abroad")
	}
	if _, ok := r.Lookup("local-police-20"); ok {
		t.Error("département 20 exists no more (2A, 2B)")
	}
	for _, d := range r.National() {
		if strings.HasPrefix(d.Code, "local-") {
			t.Errorf("%s among national services", d.Code)
		}
	}
}

func TestParseRejects(t *testing.T) {
	entry := func(fields string) string {
		return `{"version":1,"destinations":[{` + fields + `}]}`
	}
	ok := `"code":"x","kind":"police","name":{"fr":"X"},"jurisdiction":{"scope":"national"},"channel":{"type":"inbox"},"acknowledge_within":"24h"`
	if _, err := Parse([]byte(entry(ok))); err != nil {
		t.Fatalf("valid entry: %v", err)
	}
	cases := map[string]string{
		strings.Replace(ok, `"police"`, `"army"`, 1):                                                       "unknown kind",
		strings.Replace(ok, `"inbox"`, `"pigeon"`, 1):                                                      "unknown channel",
		strings.Replace(ok, `{"type":"inbox"}`, `{"type":"webhook","url":"http://x","secret_env":"S"}`, 1): "https://",
		strings.Replace(ok, `{"type":"inbox"}`, `{"type":"webhook","url":"https://x"}`, 1):                 "secret_env",
		strings.Replace(ok, `{"type":"inbox"}`, `{"type":"file"}`, 1):                                      "needs dir",
		strings.Replace(ok, `"24h"`, `"soon"`, 1):                                                          "acknowledge_within",
		strings.Replace(ok, `"x"`, `"Bad Code"`, 1):                                                        "lower-case",
		strings.Replace(ok, `{"fr":"X"}`, `{"fr":""}`, 1):                                                  "name is required",
		ok + `,"colour":"red"`: "unknown field",
	}
	for doc, want := range cases {
		if _, err := Parse([]byte(entry(doc))); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", doc, err, want)
		}
	}
	if _, err := Parse([]byte(`{"version":1,"destinations":[{` + ok + `},{` + ok + `}]}`)); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate code: %v", err)
	}
}
