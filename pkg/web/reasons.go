package web

import "github.com/poller-crm/poller/pkg/crm"

// A rejection in plain words, and what the user can do about it, come from
// crm.Advice, the table the notices by mail use too. The codes are crm's
// rejection reasons, plus "failed" for a message poller could not process
// and "duplicate" for one logged before.

// reasonText is a rejection reason (or "failed") in plain words.
func reasonText(code string) string {
	if what, _ := crm.Advice(code, ""); what != "" {
		return what
	}
	if code == "" {
		return ""
	}
	return "It was not logged (" + code + ")."
}

// reasonFix is what to do about a rejection.
func reasonFix(code, logAddress string) string {
	if _, fix := crm.Advice(code, logAddress); fix != "" {
		return fix
	}
	return "Ask an admin."
}

// outcomeText names an intake outcome.
func outcomeText(outcome string) string {
	switch outcome {
	case "logged":
		return "Logged"
	case "rejected":
		return "Not logged"
	case "duplicate":
		return "Already logged"
	case "failed":
		return "Failed"
	}
	return outcome
}

// reasonCodes are the codes in the order the intake filter lists them.
var reasonCodes = []string{"malformed", "not_addressed", "auto_generated", "sender_not_user", "spoofed",
	"too_large", "forward_unparseable", "no_recipients", "never_log"}
