package crm

import "testing"

// TestNewRulesReportsEveryProblemInSectionOrder pins NewRules' error: one
// line per problem, each starting with its field, the sections in order
// (log addresses, internal domains, users, aliases, team inboxes, never-log,
// roles) and the missing users last.
func TestNewRulesReportsEveryProblemInSectionOrder(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Config
		want string
	}{
		{"no users", Config{
			LogAddresses:    []string{"Log <log@x.example>", ""},
			InternalDomains: []string{"a b", "@"},
			TeamInboxes:     []TeamInbox{{Email: "t@x.example", ConnectedBy: "nobody@x.example"}, {Email: "bad"}},
			NeverLog:        []string{"a*b", "@", "x y@z"},
			RoleAddresses:   []string{"two words", "a@b@c"},
		}, `log_addresses[0]: "Log <log@x.example>" is not a plain email address
log_addresses[1]: empty address
internal_domains[0]: "a b" is not a domain
internal_domains[1]: "" is not a domain
team_inboxes[0].connected_by: "nobody@x.example" is not a user's primary address
team_inboxes[1].email: "bad" is not a plain email address
never_log[0]: "a*b": a wildcard may only start a domain (*.corp.test); a domain covers its subdomains anyway
never_log[1]: "" is neither an address nor a domain
never_log[2]: "x y@z" is not a plain email address
role_addresses[0]: "two words" is neither a local part (noreply) nor an address
role_addresses[1]: "a@b@c" is not a plain email address
users: at least one user is required`},
		{"clashing users", Config{
			Users: []User{
				{Email: "a@x.example", Aliases: []string{"b@x.example", "nope"}},
				{Email: "A@x.example"},
				{Email: "b@x.example", Aliases: []string{"a@x.example"}},
				{Email: ""},
			},
			TeamInboxes: []TeamInbox{{Email: "b@x.example", ConnectedBy: "a@x.example"}},
		}, `log_addresses: at least one log address is required
users[1].email: a@x.example is listed twice
users[3].email: empty address
users[0].aliases[0]: b@x.example already belongs to b@x.example
users[0].aliases[1]: "nope" is not a plain email address
users[2].aliases[0]: a@x.example already belongs to a@x.example
team_inboxes[0].email: b@x.example is already a user's address`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewRules(tc.c)
			if r != nil || err == nil {
				t.Fatalf("NewRules = %v, %v; want an error", r, err)
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("error:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}
