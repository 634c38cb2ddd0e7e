// Package crmtest gives tests the standard rules: those of
// config.example.yaml, which the fixtures are written against.
package crmtest

import (
	"testing"

	"github.com/poller-crm/poller/pkg/crm"
)

// LogAddress is the log address of the standard rules and the fixtures.
const LogAddress = "log@crm.example.com"

// Config is the crm section of config.example.yaml, with its users and
// team inboxes. Each call returns a fresh value, so an edit never leaks
// into another test.
//
//	log address   log@crm.example.com
//	internal      example.com, example-labs.com
//	never log     noreply@vendor.example, bank.example
//	users         alice@example.com (Alice Rossi; aliases a.rossi@example.com,
//	              alice.rossi.sales@gmail.com), bob@example.com (Bob Marsh),
//	              chiara@example-labs.com (Chiara Neri)
//	team inbox    sales@example.com, connected by alice
//	size limit    50 MB
//	auth          trusted authserv-id mx.example.com, pass not required
//	roles         the built-in list
func Config() crm.Config {
	return crm.Config{
		LogAddresses:    []string{LogAddress},
		InternalDomains: []string{"example.com", "example-labs.com"},
		NeverLog:        []string{"noreply@vendor.example", "bank.example"},
		Users: []crm.User{
			{Email: "alice@example.com", Name: "Alice Rossi", Aliases: []string{"a.rossi@example.com", "alice.rossi.sales@gmail.com"}},
			{Email: "bob@example.com", Name: "Bob Marsh"},
			{Email: "chiara@example-labs.com", Name: "Chiara Neri"},
		},
		TeamInboxes:    []crm.TeamInbox{{Email: "sales@example.com", ConnectedBy: "alice@example.com"}},
		MaxMessageSize: 50 << 20,
		Auth:           crm.AuthCheck{TrustedAuthservID: "mx.example.com"},
	}
}

// Rules compiles Config, changed by each edit in turn, and fails the test
// if the result is invalid.
func Rules(t testing.TB, edit ...func(*crm.Config)) *crm.Rules {
	t.Helper()
	c := Config()
	for _, e := range edit {
		e(&c)
	}
	r, err := crm.NewRules(c)
	if err != nil {
		t.Fatalf("crmtest rules: %v", err)
	}
	return r
}
