package crm

import (
	"fmt"
	"strings"
)

// The sections of NewRules, one function per config section, called in
// this order. Each compiles its section into r and appends its problems to
// p; a later section may rely on what an earlier one compiled (aliases and
// team inboxes on users).

// problems are the validation errors NewRules joins; each is one line that
// starts with the field it is about ("users[1].email: ..."), which is how
// cmd/poller names the config field.
type problems []error

func (p *problems) add(format string, args ...any) {
	*p = append(*p, fmt.Errorf(format, args...))
}

// setLimits takes the size limit (0 or less: DefaultMaxMessageSize) and the
// spoofing check. Neither can be wrong.
func (r *Rules) setLimits(maxSize int64, auth AuthCheck) {
	r.maxSize = maxSize
	if r.maxSize <= 0 {
		r.maxSize = DefaultMaxMessageSize
	}
	r.auth = auth
}

// addLogAddresses compiles log_addresses: at least one, each a plain
// address, plus-tag removed. They are internal too.
func (r *Rules) addLogAddresses(addrs []string, p *problems) {
	if len(addrs) == 0 {
		p.add("log_addresses: at least one log address is required")
	}
	for i, a := range addrs {
		key, err := normaliseAddress(a)
		if err != nil {
			p.add("log_addresses[%d]: %w", i, err)
			continue
		}
		key = stripPlusTag(key)
		if r.firstLogAddress == "" {
			r.firstLogAddress = key
		}
		r.logAddresses[key] = true
		r.internalAddrs[key] = true
	}
}

// addInternalDomains compiles internal_domains ("@x" is "x").
func (r *Rules) addInternalDomains(domains []string, p *problems) {
	for i, d := range domains {
		d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
		if d == "" || strings.ContainsAny(d, "@ ") {
			p.add("internal_domains[%d]: %q is not a domain", i, d)
			continue
		}
		r.internalDomains[d] = true
	}
}

// addUsers compiles the users' primary addresses: each once, each internal,
// and its domain internal unless it is a free-mail provider's.
func (r *Rules) addUsers(users []User, p *problems) {
	for i := range users {
		u := users[i]
		key, err := normaliseAddress(u.Email)
		if err != nil {
			p.add("users[%d].email: %w", i, err)
			continue
		}
		if r.users[key] != nil {
			p.add("users[%d].email: %s is listed twice", i, key)
			continue
		}
		u.Email = key
		r.users[key] = &u
		r.senders[key] = &u
		r.internalAddrs[key] = true
		if d := domainOf(key); !IsFreeMail(d) {
			r.internalDomains[d] = true
		}
	}
}

// addAliases compiles the users' aliases, after addUsers: an alias credits
// its user and is internal (the address only, whatever its domain); it may
// not be another user's address or alias.
func (r *Rules) addAliases(users []User, p *problems) {
	for i := range users {
		u := r.users[strings.ToLower(strings.TrimSpace(users[i].Email))]
		if u == nil {
			continue
		}
		for j, a := range users[i].Aliases {
			key, err := normaliseAddress(a)
			if err != nil {
				p.add("users[%d].aliases[%d]: %w", i, j, err)
				continue
			}
			if other := r.senders[key]; other != nil && other != u {
				p.add("users[%d].aliases[%d]: %s already belongs to %s", i, j, key, other.Email)
				continue
			}
			r.senders[key] = u
			r.internalAddrs[key] = true
		}
	}
}

// addTeamInboxes compiles team_inboxes, after the users: each is credited
// to the user who connected it (by primary address) and is internal, with
// its domain unless free-mail; it may not be a user's address.
func (r *Rules) addTeamInboxes(inboxes []TeamInbox, p *problems) {
	for i, t := range inboxes {
		key, err := normaliseAddress(t.Email)
		if err != nil {
			p.add("team_inboxes[%d].email: %w", i, err)
			continue
		}
		owner := r.users[strings.ToLower(strings.TrimSpace(t.ConnectedBy))]
		if owner == nil {
			p.add("team_inboxes[%d].connected_by: %q is not a user's primary address", i, t.ConnectedBy)
			continue
		}
		if other := r.senders[key]; other != nil {
			p.add("team_inboxes[%d].email: %s is already a user's address", i, key)
			continue
		}
		r.senders[key] = owner
		r.internalAddrs[key] = true
		if d := domainOf(key); !IsFreeMail(d) {
			r.internalDomains[d] = true
		}
	}
}

// addNeverLog compiles never_log: addresses ("x@y") and domains ("y", "@y"
// or "*.y", each covering its subdomains).
func (r *Rules) addNeverLog(entries []string, p *problems) {
	for i, n := range entries {
		n = strings.ToLower(strings.TrimSpace(n))
		// A domain covers its subdomains, so "*.corp.test" is "corp.test".
		n = strings.TrimPrefix(n, "*.")
		switch {
		case strings.Contains(n, "*"):
			p.add("never_log[%d]: %q: a wildcard may only start a domain (*.corp.test); a domain covers its subdomains anyway", i, n)
			continue
		case strings.HasPrefix(n, "@"):
			n = n[1:]
			fallthrough
		case !strings.Contains(n, "@"):
			if n == "" || strings.Contains(n, " ") {
				p.add("never_log[%d]: %q is neither an address nor a domain", i, n)
				continue
			}
			r.neverDomains[n] = true
		default:
			key, err := normaliseAddress(n)
			if err != nil {
				p.add("never_log[%d]: %w", i, err)
				continue
			}
			r.neverAddrs[key] = true
		}
	}
}

// setRoles compiles role_addresses (nil: DefaultRoleAddresses).
func (r *Rules) setRoles(entries []string, p *problems) {
	roles, errs := compileRoles(entries)
	r.roles = roles
	*p = append(*p, errs...)
}

// requireUsers reports a config without users, whom nothing could be
// credited to.
func requireUsers(users []User, p *problems) {
	if len(users) == 0 {
		p.add("users: at least one user is required")
	}
}
