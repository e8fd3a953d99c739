package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/apitoken"
	"github.com/vigie-platform/vigie/bank"
	"github.com/vigie-platform/vigie/contenthash"
)

// A platform sends hashes and the URL, no file: the report is matched
// against the banks as an attachment would be.
func TestAPIHashOnlyReportMatched(t *testing.T) {
	e := newEnv(t)
	secret, hash := apitoken.New()
	if _, err := e.DB.CreateToken(bg, apitoken.Token{Name: "plateforme", Hash: hash, Scopes: []string{apitoken.ScopeReportsWrite}, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	pdqValue := strings.Repeat("a5", 32)
	near := "5a" + strings.Repeat("a5", 31) // 8 bits away
	if _, _, err := e.Banks.Import(bg, "setup", bank.Import{Name: "ncmec", Source: "NCMEC",
		Entries: []bank.Entry{{Hash: contenthash.Hash{Kind: contenthash.PDQ, Value: pdqValue}, Category: "csam", AddedAt: time.Now()}}}); err != nil {
		t.Fatal(err)
	}
	post := func(body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/api/v1/reports", strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+secret)
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		e.Handler.ServeHTTP(w, r)
		return w
	}
	w := post(`{"category":"minors.abuse-material","description":"Contenu signalé par la plateforme","urls":["https://h.example/v/1"],
		"hashes":[{"type":"pdq","value":"` + strings.ToUpper(near) + `"},{"type":"md5","value":"` + strings.Repeat("0", 32) + `"}]}`)
	if w.Code != http.StatusCreated {
		t.Fatalf("submit: %d %s", w.Code, w.Body.String())
	}
	var ack struct{ ID string }
	json.Unmarshal(w.Body.Bytes(), &ack)
	e.Match()
	ms, err := e.DB.ReportMatches(bg, ack.ID)
	if err != nil || len(ms) != 1 || ms[0].BankName != "ncmec" || ms[0].Distance != 8 || ms[0].Attachment != "" || ms[0].Category != "csam" {
		t.Fatalf("matches: %+v %v", ms, err)
	}
	if r, _ := e.DB.ReportByID(bg, ack.ID); !r.Urgent {
		t.Error("priority not raised")
	}
	// A malformed hash is refused with the field named.
	w = post(`{"category":"minors.abuse-material","description":"x","urls":["https://h.example/v/2"],"hashes":[{"type":"pdq","value":"123"}]}`)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "hashes[0]") {
		t.Errorf("bad hash: %d %s", w.Code, w.Body.String())
	}
}
