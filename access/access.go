// Package access says what each role may do. It is the one place where
// roles meet permissions: each workspace route declares the permission it
// needs where it is registered, and the web side asks this package before
// running it. Which objects a destination user may see of a case is not a
// permission but a scope, decided by casefile (Service.CaseFor).
package access

import "github.com/vigie-platform/vigie/account"

// Permission is one kind of act in the workspace.
type Permission string

const (
	// Triage: read the queue, take reports, decide on them.
	Triage Permission = "triage"
	// ReadReports: open a report, its identifiers and attachments.
	ReadReports Permission = "reports.read"
	// Cases: create, qualify, merge, split, refer and close cases.
	Cases Permission = "cases"
	// Search reports and cases.
	Search Permission = "search"
	// Reassign reports to other analysts.
	Reassign Permission = "reassign"
	// Stats: see the supervisor's figures.
	Stats Permission = "stats"
	// ReadAudit: read the audit trail.
	ReadAudit Permission = "audit.read"
	// Users: manage accounts.
	Users Permission = "users"
	// Inbox: a destination's cases, and only those.
	Inbox Permission = "inbox"
	// Banks: import, enable, disable, withdraw from and export the hash
	// lists of known content.
	Banks Permission = "banks"
	// Oversight: review blocking and delisting requests (approve or
	// refuse), reading each weekly batch's requests and the reports'
	// text behind them.
	Oversight Permission = "oversight"
	// OversightSummary: the list of weekly batches with their counts,
	// nothing of the requests themselves.
	OversightSummary Permission = "oversight.summary"
	// Transparency: read the yearly transparency report on notices and
	// removal orders (DSA art. 15, TCO art. 7): counts, no personal data.
	Transparency Permission = "transparency"
	// Signed: any signed-in user (their own session, the home page).
	Signed Permission = "signed"
)

// grants is the role × permission table.
var grants = map[account.Role][]Permission{
	// Admins see how far the oversight is (the batches' counts) to keep
	// the service running, e.g. to add a second qualified person when
	// requests wait; not the requests, whose URLs and reports' text they
	// read nowhere else either (they have no ReadReports).
	account.RoleAdmin:       {Signed, Users, Banks, OversightSummary, Transparency},
	account.RoleSupervisor:  {Signed, Triage, ReadReports, Cases, Search, Reassign, Stats, Banks, Transparency},
	account.RoleAnalyst:     {Signed, Triage, ReadReports, Cases, Search},
	account.RoleAuditor:     {Signed, ReadAudit, Transparency},
	account.RoleDestination: {Signed, Inbox},
	// The qualified person is independent of the analysts whose requests
	// they review: the oversight pages and nothing of the queue or cases.
	account.RoleOversight: {Signed, Oversight, OversightSummary},
}

// Allowed tells whether role may do p.
func Allowed(role account.Role, p Permission) bool {
	for _, g := range grants[role] {
		if g == p {
			return true
		}
	}
	return false
}

// Permissions lists what a role may do.
func Permissions(role account.Role) []Permission {
	return append([]Permission(nil), grants[role]...)
}
