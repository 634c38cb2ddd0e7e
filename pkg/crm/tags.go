package crm

import (
	"strings"

	"github.com/poller-crm/poller/pkg/email"
)

// Tags are what the plus-part of the log address asks for
// (log+private+deal-42@crm.example.com).
type Tags struct {
	// Deal pins the email to this one deal, by the deal's id or external id,
	// instead of the contacts' most recent open deals. "" means no pin.
	Deal string
	// Private shows the email only to its attributed user and admins.
	Private bool
	// Unknown are the tags that mean nothing to poller (kept for the
	// intake log; "log+acme@" is a plain log address with a note).
	Unknown []string
}

// IsZero reports whether no tag was given.
func (t Tags) IsZero() bool { return t.Deal == "" && !t.Private && len(t.Unknown) == 0 }

// parseTags reads the plus-part of a local part ("private+deal-42").
func parseTags(plus string) Tags {
	var t Tags
	for _, tag := range strings.Split(plus, "+") {
		switch low := strings.ToLower(strings.TrimSpace(tag)); {
		case low == "":
		case low == "private":
			t.Private = true
		case strings.HasPrefix(low, "deal-") && len(low) > len("deal-") && t.Deal == "":
			t.Deal = strings.TrimSpace(tag)[len("deal-"):]
		default:
			t.Unknown = append(t.Unknown, tag)
		}
	}
	return t
}

// logTags returns the tags of the first plus-tagged log address the message
// is addressed to, looking where addressed looks: To, Cc, Bcc, then the
// delivery headers.
func (r *Rules) logTags(m *email.Message) Tags {
	var addrs []string
	for _, list := range [][]email.Address{m.To, m.Cc, m.Bcc} {
		for _, a := range list {
			addrs = append(addrs, a.Address)
		}
	}
	for _, key := range []string{"Delivered-To", "X-Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To"} {
		for _, v := range m.Header.Values(key) {
			for _, a := range email.ParseAddressList(nil, v) {
				addrs = append(addrs, a.Address)
			}
		}
	}
	for _, v := range m.Header.Values("Received") {
		if addr, ok := receivedFor(v); ok {
			addrs = append(addrs, addr)
		}
	}
	for _, a := range addrs {
		if !r.IsLogAddress(a) {
			continue
		}
		local := a
		if at := strings.LastIndexByte(a, '@'); at >= 0 {
			local = a[:at]
		}
		if _, plus, ok := strings.Cut(local, "+"); ok {
			return parseTags(plus)
		}
	}
	return Tags{}
}
