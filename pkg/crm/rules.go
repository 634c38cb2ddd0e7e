package crm

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
)

// DefaultMaxMessageSize is the size above which a message is too_large.
const DefaultMaxMessageSize = 50 << 20

// Config is what a team configures; NewRules turns it into Rules.
type Config struct {
	LogAddresses    []string
	InternalDomains []string
	// NeverLog holds addresses ("x@y") and whole domains ("y" or "@y").
	NeverLog    []string
	Users       []User
	TeamInboxes []TeamInbox
	// MaxMessageSize in bytes; 0 means DefaultMaxMessageSize.
	MaxMessageSize int64
	Auth           AuthCheck
	// RoleAddresses are local parts ("noreply") and addresses that never
	// become contacts; nil means DefaultRoleAddresses, empty means none.
	RoleAddresses []string
}

// User is a team member.
type User struct {
	Email   string
	Name    string
	Aliases []string
}

// TeamInbox is a shared address connected by one user.
type TeamInbox struct {
	Email       string
	ConnectedBy string
}

// AuthCheck configures the spoofing check on Authentication-Results (RFC
// 8601). It is off when TrustedAuthservID is empty.
type AuthCheck struct {
	// TrustedAuthservID is the authserv-id your receiving server writes;
	// headers from any other id are ignored, as anyone can add them.
	TrustedAuthservID string
	// RequirePass rejects messages without a trusted header showing DMARC
	// pass or an aligned SPF or DKIM pass. Without it, only a trusted header
	// showing failure rejects.
	RequirePass bool
}

// Rules are the compiled, validated rules. A Rules value is immutable and
// safe for concurrent use.
type Rules struct {
	logAddresses    map[string]bool // normalised: lower-case, plus-tag removed
	firstLogAddress string
	users           map[string]*User // primary address → user
	senders         map[string]*User // primary, alias or team inbox → credited user
	internalAddrs   map[string]bool
	internalDomains map[string]bool
	neverAddrs      map[string]bool
	neverDomains    map[string]bool
	maxSize         int64
	auth            AuthCheck
	roles           roleSet
}

// NewRules validates c and compiles it, one config section at a time (see
// rules_sections.go). The error names every problem found, in the order of
// the sections.
func NewRules(c Config) (*Rules, error) {
	r := &Rules{
		logAddresses:    map[string]bool{},
		users:           map[string]*User{},
		senders:         map[string]*User{},
		internalAddrs:   map[string]bool{},
		internalDomains: map[string]bool{},
		neverAddrs:      map[string]bool{},
		neverDomains:    map[string]bool{},
	}
	var p problems
	r.setLimits(c.MaxMessageSize, c.Auth)
	r.addLogAddresses(c.LogAddresses, &p)
	r.addInternalDomains(c.InternalDomains, &p)
	r.addUsers(c.Users, &p)
	r.addAliases(c.Users, &p)
	r.addTeamInboxes(c.TeamInboxes, &p)
	r.addNeverLog(c.NeverLog, &p)
	r.setRoles(c.RoleAddresses, &p)
	// Reported after every other problem, as it always has been.
	requireUsers(c.Users, &p)
	if err := errors.Join(p...); err != nil {
		return nil, err
	}
	return r, nil
}

// normaliseAddress checks that a is one bare address and lower-cases it.
func normaliseAddress(a string) (string, error) {
	a = strings.TrimSpace(a)
	if a == "" {
		return "", errors.New("empty address")
	}
	parsed, err := mail.ParseAddress(a)
	if err != nil || parsed.Name != "" || parsed.Address != a {
		return "", fmt.Errorf("%q is not a plain email address", a)
	}
	return strings.ToLower(a), nil
}

func domainOf(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return ""
	}
	return strings.ToLower(addr[at+1:])
}

// stripPlusTag removes a "+tag" from the local part: log+acme@x is log@x.
func stripPlusTag(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr
	}
	if plus := strings.IndexByte(addr[:at], '+'); plus > 0 {
		return addr[:plus] + addr[at:]
	}
	return addr
}

// IsLogAddress reports whether addr is one of the log addresses, plus-tags
// ignored.
func (r *Rules) IsLogAddress(addr string) bool {
	return r.logAddresses[stripPlusTag(strings.ToLower(strings.TrimSpace(addr)))]
}

// IsInternal reports whether addr belongs to the team: a user's address or
// alias, a team inbox, a log address, or an address in an internal domain
// (subdomains included).
func (r *Rules) IsInternal(addr string) bool {
	key := strings.ToLower(addr)
	if r.internalAddrs[key] || r.IsLogAddress(key) {
		return true
	}
	return matchDomain(r.internalDomains, domainOf(key))
}

// IsNeverLog reports whether addr is on the never-log list, by address or by
// domain (subdomains included).
func (r *Rules) IsNeverLog(addr string) bool {
	key := strings.ToLower(addr)
	return r.neverAddrs[key] || matchDomain(r.neverDomains, domainOf(key))
}

// UserFor returns the user credited for mail sent from addr (SPEC
// "Attribution"): the connecting user of a team inbox, or the user whose
// primary address or alias addr is; nil when addr is none of those.
func (r *Rules) UserFor(addr string) *User {
	return r.senders[strings.ToLower(addr)]
}

// MaxMessageSize is the size above which a message is rejected too_large.
func (r *Rules) MaxMessageSize() int64 { return r.maxSize }

// matchDomain reports whether d or one of its parent domains is in set.
func matchDomain(set map[string]bool, d string) bool {
	for d != "" {
		if set[d] {
			return true
		}
		dot := strings.IndexByte(d, '.')
		if dot < 0 {
			return false
		}
		d = d[dot+1:]
	}
	return false
}
