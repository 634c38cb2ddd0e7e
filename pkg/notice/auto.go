package notice

import (
	"strings"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/email"
)

// idPrefix begins the local part of every notice's Message-ID, so that a
// reply to a notice, or a notice coming back, is recognised.
const idPrefix = "poller-notice."

// listFields are the RFC 2369 and RFC 2919 fields of mailing-list mail.
var listFields = []string{"List-Id", "List-Unsubscribe", "List-Post", "List-Help"}

// autoreplyFields mark automatic replies of common responders.
var autoreplyFields = []string{"X-Autoreply", "X-Autorespond", "X-Autoresponse"}

// automatic says why m must get no automatic response (RFC 3834 §2), or ""
// when it may.
func automatic(m *email.Message) string {
	h := m.Header
	if v := h.Get("Auto-Submitted"); v != "" {
		kw, _, _ := strings.Cut(v, ";")
		if kw = strings.ToLower(strings.TrimSpace(kw)); kw != "no" {
			return "Auto-Submitted: " + kw
		}
	}
	switch p := strings.ToLower(strings.TrimSpace(h.Get("Precedence"))); p {
	case "bulk", "junk", "list", "auto_reply", "auto-reply":
		return "Precedence: " + p
	}
	if m.ContentType == "multipart/report" {
		return "a delivery or disposition report"
	}
	if h.Has("Return-Path") {
		if rp := strings.TrimSpace(h.Get("Return-Path")); rp == "" || rp == "<>" {
			return "a null Return-Path (a bounce)"
		}
	}
	for _, key := range append(append([]string(nil), listFields...), autoreplyFields...) {
		if h.Has(key) {
			return key + " field"
		}
	}
	if suppressesAutoReply(h.Get("X-Auto-Response-Suppress")) {
		return "X-Auto-Response-Suppress"
	}
	return ""
}

// suppressesAutoReply reports whether an X-Auto-Response-Suppress value
// ([MS-OXCMAIL] 2.2.3.2.14) asks for no automatic replies.
func suppressesAutoReply(v string) bool {
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		if strings.EqualFold(f, "All") || strings.EqualFold(f, "AutoReply") {
			return true
		}
	}
	return false
}

// loops reports whether a notice about m could feed a loop: m is from us,
// is one of our notices, replies to one, or carries one.
func loops(m *email.Message, d crm.Decision, self string) bool {
	if fromSelf(m, self) || isNoticeID(m.MessageID) {
		return true
	}
	for _, id := range append(append([]string(nil), m.InReplyTo...), m.References...) {
		if isNoticeID(id) {
			return true
		}
	}
	if d.Original != nil && (strings.EqualFold(d.Original.From.Address, self) || isNoticeID(d.Original.MessageID)) {
		return true
	}
	for _, a := range m.Attached {
		if a != nil && (fromSelf(a, self) || isNoticeID(a.MessageID)) {
			return true
		}
	}
	return false
}

// fromSelf reports whether m's From or Sender is self.
func fromSelf(m *email.Message, self string) bool {
	for _, a := range append(append([]email.Address(nil), m.From...), m.Sender...) {
		if strings.EqualFold(strings.TrimSpace(a.Address), self) {
			return true
		}
	}
	return false
}

// isNoticeID reports whether id (without brackets) is a notice's
// Message-ID.
func isNoticeID(id string) bool {
	id = strings.TrimPrefix(strings.TrimSpace(id), "<")
	return len(id) >= len(idPrefix) && strings.EqualFold(id[:len(idPrefix)], idPrefix)
}
