package web

// A rejection in plain words, and what the user can do about it. The
// codes are crm's rejection reasons, plus "failed" for a message poller
// could not process and "duplicate" for one logged before.

type advice struct {
	what string // what happened
	fix  string // what to do; %s is the log address
}

var reasons = map[string]advice{
	"malformed": {
		"The message could not be read: it is not a well-formed email.",
		"Send or forward it again from your mail program. If it keeps failing, forward it as an attachment to %s.",
	},
	"not_addressed": {
		"The log address was not among the message's recipients, so it reached the log mailbox some other way (a redirect, a mailing list or a rule).",
		"Put %s in Bcc when you write to a customer, or forward the customer's email to it.",
	},
	"auto_generated": {
		"It looks automatic (an out-of-office reply, a bounce, a newsletter or another bulk message), and those are not logged.",
		"Nothing to do when it really is automatic. If a person wrote it, forward it to %s from your own mailbox with a line of your own.",
	},
	"sender_not_user": {
		"It was not sent by a team member: its From is not a user's address, one of their aliases or a team inbox.",
		"Send or forward it from your own work address. If you send from another address, ask an admin to add it to your aliases.",
	},
	"spoofed": {
		"Its sender could not be trusted: the receiving server's checks (DMARC, or SPF and DKIM) failed for its From address.",
		"Send it from your usual mail account, not through another service that puts your address in From. If your own mail keeps failing, ask an admin to check the domain's SPF and DKIM records.",
	},
	"too_large": {
		"It is larger than the size limit for logged messages.",
		"Forward it again without the large attachments (share them by link instead).",
	},
	"forward_unparseable": {
		"It was a forward, but the forwarded message in it could not be found, so there was nobody to log it on.",
		"Forward it again with your mail program's Forward button rather than copying the text, or forward it as an attachment to %s.",
	},
	"no_recipients": {
		"There was nobody outside the team to log it on: every address in it is a colleague's, a team address or the log address.",
		"Make sure the customer is in To or Cc. Mail among colleagues is not logged.",
	},
	"never_log": {
		"Every outside address in it is on the never-log list, which keeps some senders (banks, vendors, private addresses) out of the CRM on purpose.",
		"Nothing to do if that is right. If one of those addresses should be logged, ask an admin to take it off the never-log list.",
	},
	"failed": {
		"Poller ran into an error while processing it. It is tried again on the next pass.",
		"Nothing to do for now. If it is still not logged in an hour, tell an admin: the intake page shows the error.",
	},
	"duplicate": {
		"It had been logged already (the same message, or the same forward of it).",
		"Nothing to do: the email is in the CRM once.",
	},
}

// reasonText is a rejection reason (or "failed") in plain words.
func reasonText(code string) string {
	if a, ok := reasons[code]; ok {
		return a.what
	}
	if code == "" {
		return ""
	}
	return "It was not logged (" + code + ")."
}

// reasonFix is what to do about a rejection.
func reasonFix(code, logAddress string) string {
	if logAddress == "" {
		logAddress = "the log address"
	}
	a, ok := reasons[code]
	if !ok {
		return "Ask an admin."
	}
	return sprintf(a.fix, logAddress)
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

// sprintf fills %s when the format has one.
func sprintf(format, arg string) string {
	for i := 0; i+1 < len(format); i++ {
		if format[i] == '%' && format[i+1] == 's' {
			return format[:i] + arg + format[i+2:]
		}
	}
	return format
}

// reasonCodes are the codes in the order the intake filter lists them.
var reasonCodes = []string{"malformed", "not_addressed", "auto_generated", "sender_not_user", "spoofed",
	"too_large", "forward_unparseable", "no_recipients", "never_log"}
