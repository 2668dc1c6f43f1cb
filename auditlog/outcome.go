package auditlog

// Outcome is what became of the thing an event records. Every writer uses
// these constants, so a reader (stackaudit, a dashboard, a SIEM rule) can
// rely on one vocabulary across components.
type Outcome string

// Outcomes of a request or query that was judged.
const (
	OutcomeAllowed      Outcome = "allowed"      // forwarded as sent
	OutcomeStripped     Outcome = "stripped"     // forwarded after matched spans were removed
	OutcomeFlagged      Outcome = "flagged"      // forwarded, and a rule or model fired
	OutcomeNeutralized  Outcome = "neutralized"  // forwarded with offending content replaced by a notice
	OutcomeRejected     Outcome = "rejected"     // refused: a detector said it is an attack
	OutcomeDenied       Outcome = "denied"       // refused by policy (route, method, tool, host)
	OutcomeUnauthorized Outcome = "unauthorized" // refused: no valid credential
	OutcomeRateLimited  Outcome = "rate_limited" // refused: too many failed attempts
	OutcomeBadRequest   Outcome = "bad_request"  // refused: it could not be parsed or judged
	OutcomeTooLarge     Outcome = "too_large"    // refused: over a size limit
	OutcomeNotFound     Outcome = "not_found"    // refused: not on the route allowlist
	OutcomeBlocked      Outcome = "blocked"      // refused: not on an allowlist, or a block verdict
	OutcomeRefused      Outcome = "refused"      // refused: the answer or query could not be judged
	OutcomeFiltered     Outcome = "filtered"     // answered with part of the answer removed
	OutcomeError        Outcome = "error"        // the component failed; what it guarded did not proceed
)

// Outcomes of skill installs and quarantine moves (package quarantine).
const (
	OutcomeWarned      Outcome = "warned"
	OutcomeQuarantined Outcome = "quarantined"
	OutcomeRestored    Outcome = "restored"
	OutcomeCompleted   Outcome = "completed"
	OutcomeRolledBack  Outcome = "rolled_back"
	OutcomeFailed      Outcome = "failed"
)

// OutcomeTruncated records a torn tail the writer cut off when it reopened a log.
const OutcomeTruncated Outcome = "truncated"

// Outcomes of browser sessions (openclaw_guard's control_ui).
const (
	OutcomeLogin  Outcome = "login"  // a token was accepted on the login form and a session made
	OutcomeLogout Outcome = "logout" // the user ended the session
	OutcomeClosed Outcome = "closed" // the guard closed a WebSocket because its session ended
)
