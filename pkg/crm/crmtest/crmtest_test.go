package crmtest_test

import (
	"testing"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/crm/crmtest"
)

func TestRules(t *testing.T) {
	r := crmtest.Rules(t)
	if !r.IsLogAddress("log+x@crm.example.com") || !r.IsInternal("someone@example-labs.com") || !r.IsNeverLog("x@bank.example") {
		t.Error("the standard rules lost an address")
	}
	if u := r.UserFor("sales@example.com"); u == nil || u.Email != "alice@example.com" {
		t.Errorf("sales@ credited to %v, want alice", u)
	}
	if r.MaxMessageSize() != 50<<20 {
		t.Errorf("MaxMessageSize = %d", r.MaxMessageSize())
	}
	small := crmtest.Rules(t, func(c *crm.Config) { c.MaxMessageSize = 1000 }, func(c *crm.Config) { c.Users = c.Users[:1] })
	if small.MaxMessageSize() != 1000 || small.UserFor("bob@example.com") != nil {
		t.Error("edits not applied")
	}
	if c := crmtest.Config(); len(c.Users) != 3 {
		t.Errorf("an edit leaked into Config: %d users", len(c.Users))
	}
}
