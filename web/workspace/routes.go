package workspace

import (
	"github.com/vigie-platform/vigie/access"
	"github.com/vigie-platform/vigie/web"
)

// routes lists every workspace route with what it needs: the role's
// permission, checked by guard before the handler runs, or web.Public for
// signing in, enrolling and the not-found answer.
func (s *server) routes(mux web.Mux) []web.Route {
	reg := web.NewRegistrar(mux)
	role := func(pattern string, perm access.Permission, h wsHandler) {
		reg.Add(pattern, string(perm), s.guard(pattern, perm, h))
	}

	reg.Public("GET /w/login", s.handleLoginForm)
	reg.Public("POST /w/login", s.handleLogin)
	reg.Public("GET /w/enrol/{token}", s.handleEnrolForm)
	reg.Public("POST /w/enrol/{token}", s.handleEnrol)
	role("GET /w/{$}", access.Signed, s.handleWorkspaceHome)
	role("POST /w/logout", access.Signed, s.handleLogout)
	reg.Public("POST /w/login/passkey", s.handleLoginPasskey)
	role("GET /w/passkeys", access.Signed, s.handlePasskeys)
	role("POST /w/passkeys", access.Signed, s.handlePasskeyAdd)
	role("POST /w/passkeys/{id}/remove", access.Signed, s.handlePasskeyRemove)
	role("POST /w/totp", access.Signed, s.handleTOTPAdd)
	role("POST /w/totp/remove", access.Signed, s.handleTOTPRemove)
	role("GET /w/help", access.Signed, s.handleHelp)
	role("GET /w/me", access.Signed, s.handleMe)
	role("POST /w/me/password", access.Signed, s.handlePasswordChange)
	role("POST /w/me/sessions/{sid}/end", access.Signed, s.handleSessionEnd)
	role("POST /w/me/sessions/end-others", access.Signed, s.handleOtherSessionsEnd)

	role("GET /w/queue", access.Triage, s.handleQueue)
	role("POST /w/queue/next", access.Triage, s.handleTakeNext)
	role("POST /w/queue/decide", access.Triage, s.handleBulkDecide)
	role("POST /w/queue/assign", access.Reassign, s.handleReassign)
	role("GET /w/reports/{id}", access.ReadReports, s.handleReportView)
	role("GET /w/reports/{id}/attachments/{sha}", access.ReadReports, s.handleAttachment)
	// Waves: reports handled as one (issue 12, part 4).
	role("GET /w/waves/{id}", access.Triage, s.handleWave)
	role("POST /w/waves/{id}/decide", access.Triage, s.handleWaveDecide)

	role("GET /w/cases", access.Cases, s.handleCaseList)
	role("POST /w/cases", access.Cases, s.handleCaseCreate)
	role("GET /w/cases/{id}", access.Cases, s.handleCaseView)
	role("POST /w/cases/{id}/qualify", access.Cases, s.caseAction("qualify", s.qualifyCase))
	role("POST /w/cases/{id}/close", access.Cases, s.caseAction("close", s.closeCase))
	role("POST /w/cases/{id}/reopen", access.Cases, s.caseAction("reopen", s.reopenCase))
	role("POST /w/cases/{id}/notes", access.Cases, s.caseAction("note", s.noteCase))
	role("POST /w/cases/{id}/reports", access.Cases, s.caseAction("add", s.addReports))
	role("POST /w/cases/{id}/remove", access.Cases, s.handleCaseRemove)
	role("POST /w/cases/{id}/merge", access.Cases, s.caseAction("merge", s.mergeCase))
	role("POST /w/cases/{id}/split", access.Cases, s.handleCaseSplit)
	role("POST /w/cases/{id}/refer", access.Cases, s.handleRefer)
	role("POST /w/cases/{id}/facts", access.Cases, s.handleCaseFacts)
	role("GET /w/cases/{id}/export/{format}", access.Cases, s.handleCaseExport)
	role("POST /w/cases/{id}/notices", access.Cases, s.handleNoticeSend)
	role("POST /w/cases/{id}/trace", access.Cases, s.handleTrace)
	role("POST /w/notices/{nid}/record", access.Cases, s.handleNoticeRecord)
	role("POST /w/notices/{nid}/check", access.Cases, s.handleNoticeCheck)

	role("GET /w/alerts", access.Triage, s.handleAlerts)
	role("POST /w/alerts/{id}/close", access.Triage, s.handleAlertClose)
	role("GET /w/search", access.Search, s.handleSearch)
	role("GET /w/stats", access.Stats, s.handleStatsDashboard)
	role("GET /w/dashboard", access.Stats, s.handleDashboard)
	role("GET /w/audit", access.ReadAudit, s.handleAuditViewer)
	role("GET /w/transparency", access.Transparency, s.handleTransparency)
	role("GET /w/transparency.csv", access.Transparency, s.handleTransparencyCSV)
	role("GET /w/users", access.Users, s.handleUsers)
	role("POST /w/users", access.Users, s.handleUserAdd)
	role("POST /w/users/{id}/disable", access.Users, s.handleUserDisable)

	role("GET /w/inbox", access.Inbox, s.handleInbox)
	role("GET /w/inbox/{id}", access.Inbox, s.handleInboxCase)
	role("POST /w/inbox/{id}/acknowledge", access.Inbox, s.destinationAction("acknowledge", s.acknowledge))
	role("POST /w/inbox/{id}/outcome", access.Inbox, s.destinationAction("outcome", s.reportOutcome))

	// Banks of known content (issue 14): the lists, and known media on a report.
	role("GET /w/banks", access.Banks, s.handleBanks)
	role("POST /w/banks/import", access.Banks, s.handleBankImport)
	role("POST /w/banks/{name}/enable", access.Banks, s.handleBankEnable(true))
	role("POST /w/banks/{name}/disable", access.Banks, s.handleBankEnable(false))
	role("POST /w/banks/{name}/withdraw", access.Banks, s.handleBankWithdraw)
	role("GET /w/banks/{name}/export/{format}", access.Banks, s.handleBankExport)
	role("POST /w/reports/{id}/attachments/{sha}/open", access.ReadReports, s.handleKnownMediaOpen)
	role("POST /w/reports/{id}/attachments/{sha}/classify", access.Triage, s.handleClassify)

	// Oversight of blocking requests (issue 15, part 3): the qualified
	// person's pages; admins see the batches' counts only.
	role("GET /w/oversight", access.OversightSummary, s.handleOversightBatches)
	role("GET /w/oversight/{week}", access.Oversight, s.handleOversightBatch)
	role("POST /w/oversight/{week}/review", access.Oversight, s.handleOversightBatchReview)
	role("POST /w/oversight/requests/{id}/review", access.Oversight, s.handleOversightReview)

	reg.Public("/w/", s.NotFound)
	return reg.Routes()
}
