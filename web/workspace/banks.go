package workspace

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/bank"
	"github.com/vigie-platform/vigie/contenthash"
	"github.com/vigie-platform/vigie/problem"
	"github.com/vigie-platform/vigie/report"
)

// banksView is the banks page: the lists, their state and sizes.
type banksView struct {
	Banks   []bank.Bank
	Formats []string
}

// maxBankUpload bounds an imported file sent through the workspace; a
// bigger list is imported on the server (vigie bank import).
const maxBankUpload = 32 << 20

func (s *server) handleBanks(w http.ResponseWriter, r *http.Request, u account.User) {
	if s.Banks == nil {
		s.wsFail(w, r, u, http.StatusNotFound, "ws.err.notfound")
		return
	}
	banks, err := s.Banks.Banks(r.Context())
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	p := s.newWPage(r, u, "ws.banks.title")
	p.Data = banksView{Banks: banks, Formats: bank.Formats}
	s.renderW(w, http.StatusOK, "w_banks", p)
}

func (s *server) handleBankImport(w http.ResponseWriter, r *http.Request, u account.User) {
	if s.Banks == nil {
		s.wsFail(w, r, u, http.StatusNotFound, "ws.err.notfound")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBankUpload+64<<10)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		s.wsFail(w, r, u, http.StatusBadRequest, "ws.err.form")
		return
	}
	defer r.MultipartForm.RemoveAll()
	f, _, err := r.FormFile("file")
	if err != nil {
		s.wsErr(w, r, u, problem.New("bank.bad_file", "no file"))
		return
	}
	content, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		s.wsFail(w, r, u, http.StatusBadRequest, "ws.err.form")
		return
	}
	imp, err := bank.ReadFile(content, time.Now())
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	// The form names the bank; a JSON file's own name is the default.
	if name := strings.TrimSpace(r.PostForm.Get("name")); name != "" {
		imp.Name = name
	}
	if src := strings.TrimSpace(r.PostForm.Get("source")); src != "" {
		imp.Source = src
	}
	imp.Negative = imp.Negative || r.PostForm.Get("negative") == "1"
	if _, _, err := s.Banks.Import(r.Context(), u.Email, imp); err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	seeOther(w, r, "/w/banks", "bank_imported")
}

func (s *server) handleBankEnable(enabled bool) wsHandler {
	return func(w http.ResponseWriter, r *http.Request, u account.User) {
		if s.Banks == nil {
			s.wsFail(w, r, u, http.StatusNotFound, "ws.err.notfound")
			return
		}
		if !s.parseWSForm(w, r, u) {
			return
		}
		if err := s.Banks.SetEnabled(r.Context(), u.Email, r.PathValue("name"), enabled); err != nil {
			s.wsErr(w, r, u, err)
			return
		}
		seeOther(w, r, "/w/banks", "bank_changed")
	}
}

func (s *server) handleBankWithdraw(w http.ResponseWriter, r *http.Request, u account.User) {
	if s.Banks == nil {
		s.wsFail(w, r, u, http.StatusNotFound, "ws.err.notfound")
		return
	}
	if !s.parseWSForm(w, r, u) {
		return
	}
	var hashes []contenthash.Hash
	for _, line := range strings.Fields(r.PostForm.Get("hashes")) {
		h, err := contenthash.Parse(line)
		if err != nil {
			s.wsErr(w, r, u, problem.New("bank.bad_file", line))
			return
		}
		hashes = append(hashes, h)
	}
	if _, err := s.Banks.Withdraw(r.Context(), u.Email, r.PathValue("name"), hashes); err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	seeOther(w, r, "/w/banks", "bank_withdrawn")
}

// handleBankExport sends a bank in one of bank.Formats; the read is audited.
func (s *server) handleBankExport(w http.ResponseWriter, r *http.Request, u account.User) {
	if s.Banks == nil {
		s.wsFail(w, r, u, http.StatusNotFound, "ws.err.notfound")
		return
	}
	name, format := r.PathValue("name"), r.PathValue("format")
	if !slices.Contains(bank.Formats, format) {
		s.wsFail(w, r, u, http.StatusNotFound, "ws.err.notfound")
		return
	}
	b, entries, err := s.Banks.Export(r.Context(), name)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	if !s.mustAudit(w, r, u, "bank.export", "bank", name, format) {
		return
	}
	mime, ext := bank.ContentType(format)
	w.Header().Set("Content-Type", mime)
	w.Header().Set("Content-Disposition", `attachment; filename="vigie-bank-`+b.ID36()+`.`+ext+`"`)
	if err := bank.Export(w, format, b, entries, time.Now()); err != nil {
		s.Logger.Error("bank export", "bank", name, "err", err)
	}
}

// knownMatch is the classified match that hides an attachment, if any.
func knownMatch(matches []bank.Match, sha string) *bank.Match {
	for i, m := range matches {
		if m.Attachment == sha && m.Classified() {
			return &matches[i]
		}
	}
	return nil
}

// handleKnownMediaOpen shows media that matched classified known content:
// a deliberate act (a POST from a button that names what it opens),
// audited before the content is sent.
func (s *server) handleKnownMediaOpen(w http.ResponseWriter, r *http.Request, u account.User) {
	if !s.parseWSForm(w, r, u) {
		return
	}
	a, known, ok := s.reportAttachment(w, r, u)
	if !ok {
		return
	}
	detail := ""
	if known != nil {
		detail = known.BankName + ": " + known.Label
	}
	if !s.mustAudit(w, r, u, "attachment.open_known", "attachment", r.PathValue("id")+"/"+a.SHA256, detail) {
		return
	}
	s.sendAttachment(w, r, u, a, slices.Contains(inlineImageTypes, a.ContentType), "default-src 'none'; img-src 'self'; sandbox")
}

// handleClassify adds an image attachment's hashes to the local bank, with
// the analyst's label and category.
func (s *server) handleClassify(w http.ResponseWriter, r *http.Request, u account.User) {
	if s.Banks == nil {
		s.wsFail(w, r, u, http.StatusNotFound, "ws.err.notfound")
		return
	}
	if !s.parseWSForm(w, r, u) {
		return
	}
	id, sha := r.PathValue("id"), r.PathValue("sha")
	_, err := s.Banks.Classify(r.Context(), u.Email, id, sha, r.PostForm.Get("label"), r.PostForm.Get("category"))
	if errors.Is(err, bank.ErrNotFound) {
		err = report.ErrNotFound
	}
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	seeOther(w, r, "/w/reports/"+id, "classified")
}
