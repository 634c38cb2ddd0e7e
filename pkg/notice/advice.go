package notice

import "strings"

// advice is a reason in plain words and what to do; "{log}" in fix is the
// log address.
type advice struct{ what, fix string }

// fallbackAdvice serves when Config.Advice is nil or does not know a reason.
var fallbackAdvice = map[string]advice{
	"not_addressed": {
		"The log address was not among the message's recipients, so it reached the log mailbox some other way (a redirect, a mailing list or a rule).",
		"Put {log} in Bcc when you write to a customer, or forward the customer's email to it.",
	},
	"auto_generated": {
		"What you forwarded looks automatic (an out-of-office reply, a bounce or a delivery report), and those are not logged.",
		"Nothing to do when it really is automatic. If a person wrote it, forward that person's own message to {log}.",
	},
	"sender_not_user": {
		"It was not sent by a poller user: its From address is not a user's address, one of their aliases or a team inbox.",
		"Ask an admin to add you as a user, or to add this address to your aliases, then send or forward it again.",
	},
	"too_large": {
		"It is larger than the size limit for logged messages.",
		"Forward it again without the large attachments (share them by link instead).",
	},
	"forward_unparseable": {
		"It was a forward, but the forwarded message in it could not be found, so there was nobody to log it on.",
		"Forward it again with your mail program's Forward button rather than copying the text, or forward it as an attachment to {log}.",
	},
	"no_recipients": {
		"There was nobody outside the team to log it on: every address in it is a colleague's, a team address or the log address.",
		"Make sure the customer is in To or Cc. Mail among colleagues is not logged.",
	},
	"never_log": {
		"Every outside address in it is on the never-log list, which keeps some senders out of the CRM on purpose.",
		"Nothing to do if that is right. If one of those addresses should be logged, ask an admin to take it off the never-log list.",
	},
	ReasonAttachmentDropped: {
		"The email was logged, but some of its attachments were not kept (they were over the size limit).",
		"Share those files by link, or attach them to the contact in the CRM by hand.",
	},
}

// advice returns the plain words and the fix for reason: Config.Advice's
// when it knows the reason, else the fallback.
func (c Config) advice(reason string) (what, fix string) {
	if c.Advice != nil {
		if what, fix = c.Advice(reason); strings.TrimSpace(what) != "" {
			return what, fix
		}
	}
	a, ok := fallbackAdvice[reason]
	if !ok {
		return "It was not logged (" + reason + ").", "Ask an admin."
	}
	log := c.LogAddress
	if log == "" {
		log = "the log address"
	}
	return a.what, strings.ReplaceAll(a.fix, "{log}", log)
}
