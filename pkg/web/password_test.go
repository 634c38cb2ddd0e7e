package web

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/password"
	"github.com/poller-crm/poller/pkg/sqlite"
)

// A failed sign-in costs one argon2id verification whoever tries: an
// address that is no user's and a user with no password are checked
// against a dummy hash, so the time taken does not tell them apart.
func TestFailedSignInsVerifyAHashEveryTime(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "crm.db"), crmstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.SyncUsers(ctx, []crm.User{{Email: "alice@example.com"}, {Email: "bob@example.com"}}); err != nil {
		t.Fatal(err)
	}
	hash, err := password.Hash("bob-battery-staple")
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SetPassword(ctx, "bob@example.com", hash); err != nil {
		t.Fatal(err)
	}
	s, err := New(store, Config{Users: []User{{Email: "alice@example.com"}, {Email: "bob@example.com"}}})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	verify := s.verify
	s.verify = func(hash, plain string) (bool, error) { calls++; return verify(hash, plain) }
	r := httptest.NewRequest("POST", "/login", nil)
	for _, tc := range []struct{ who, email, password string }{
		{"a wrong password", "bob@example.com", "wrong"},
		{"no such user", "nobody@example.com", "wrong"},
		{"a user with no password", "alice@example.com", "wrong"},
		{"an empty password", "bob@example.com", ""},
	} {
		calls = 0
		u, err := s.checkPassword(r, tc.email, tc.password)
		if u != nil || err != nil {
			t.Errorf("%s: checkPassword = %v, %v; want no user", tc.who, u, err)
		}
		if calls != 1 {
			t.Errorf("%s: %d hash verifications, want 1 like every failed sign-in", tc.who, calls)
		}
	}
	calls = 0
	if u, err := s.checkPassword(r, "bob@example.com", "bob-battery-staple"); u == nil || err != nil || calls != 1 {
		t.Errorf("the right password: %v, %v, %d verifications", u, err, calls)
	}
}
