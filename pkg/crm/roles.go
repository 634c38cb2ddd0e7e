package crm

import (
	"fmt"
	"strings"
)

// DefaultRoleAddresses are the local parts of role and machine addresses
// that never become contacts: nobody reads them, and a CRM full of
// noreply@ contacts is worth less. A local part also matches with a
// separator and more after it (noreply-billing@, bounce+x@, bounces.42@).
var DefaultRoleAddresses = []string{
	"noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "do_not_reply",
	"mailer-daemon", "mailerdaemon", "postmaster", "bounce", "bounces",
	"notification", "notifications", "notify", "alerts", "daemon",
}

// autoSenders are the role local parts whose mail is itself automatic: a
// forward of a message from one of them is a forwarded bounce or report.
var autoSenders = map[string]bool{
	"mailer-daemon": true, "mailerdaemon": true, "postmaster": true,
	"bounce": true, "bounces": true, "daemon": true,
}

// roleSet is the compiled list: local parts, and whole addresses.
type roleSet struct {
	locals map[string]bool
	addrs  map[string]bool
}

// compileRoles reads entries that are local parts ("noreply") or whole
// addresses ("alerts@vendor.example"); nil means DefaultRoleAddresses.
func compileRoles(entries []string) (roleSet, []error) {
	if entries == nil {
		entries = DefaultRoleAddresses
	}
	rs := roleSet{locals: map[string]bool{}, addrs: map[string]bool{}}
	var errs []error
	for i, e := range entries {
		e = strings.ToLower(strings.TrimSpace(e))
		switch {
		case e == "" || strings.ContainsAny(e, " \t,"):
			errs = append(errs, fmt.Errorf("role_addresses[%d]: %q is neither a local part (noreply) nor an address", i, e))
		case strings.Contains(e, "@"):
			key, err := normaliseAddress(e)
			if err != nil {
				errs = append(errs, fmt.Errorf("role_addresses[%d]: %w", i, err))
				continue
			}
			rs.addrs[key] = true
		default:
			rs.locals[e] = true
		}
	}
	return rs, errs
}

// localPart is the part of addr before the last @, lower-case.
func localPart(addr string) string {
	addr = strings.ToLower(addr)
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		return addr[:at]
	}
	return addr
}

// matchesRole reports whether a local part is in set, alone or followed
// by a separator and more ("noreply-billing", "bounce+123").
func matchesRole(local string, set map[string]bool) bool {
	if set[local] {
		return true
	}
	for j := 1; j < len(local); j++ {
		if strings.IndexByte("-+._", local[j]) >= 0 && set[local[:j]] {
			return true
		}
	}
	return false
}

// IsRoleAddress reports whether addr is a role or machine address
// (noreply@, mailer-daemon@, notifications@, ...), which never becomes a
// contact.
func (r *Rules) IsRoleAddress(addr string) bool {
	key := strings.ToLower(strings.TrimSpace(addr))
	return r.roles.addrs[key] || matchesRole(localPart(key), r.roles.locals)
}

// isAutoSender reports whether mail from addr is automatic by its sender
// alone: a bounce or a report from mailer-daemon@ or postmaster@.
func isAutoSender(addr string) bool {
	return matchesRole(localPart(addr), autoSenders)
}

// autoSubjects begin the subjects of bounces and automatic replies as the
// common servers and clients write them (lower-case).
var autoSubjects = []string{
	"undeliverable:", "undelivered mail returned to sender", "delivery status notification",
	"mail delivery failed", "mail delivery failure", "delivery failure", "returned mail:",
	"failure notice", "automatic reply:", "auto-reply:", "autoreply:", "out of office:",
	"out of the office", "abwesenheitsnotiz", "réponse automatique", "risposta automatica",
	"respuesta automática", "automatisch antwoord", "automatische antwort",
}

// autoSubject reports whether a subject is one of a bounce or an
// automatic reply.
func autoSubject(subject string) bool {
	s := strings.ToLower(strings.TrimSpace(subject))
	for _, p := range autoSubjects {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
