// Package webtest builds what tests of the web app need: a real store in a
// temporary folder, filled from the project's fixtures through the normal
// intake path (parse, decide, record), with users who have known
// passwords, and a running app over it.
package webtest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/crm/crmtest"
	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/ingest"
	"github.com/poller-crm/poller/pkg/password"
	"github.com/poller-crm/poller/pkg/sqlite"
	"github.com/poller-crm/poller/pkg/web"
)

// The users of a test store and their passwords. Chiara has none.
const (
	Alice         = "alice@example.com" // an admin
	AlicePassword = "alice-correct-horse"
	Bob           = "bob@example.com"
	BobPassword   = "bob-battery-staple"
	Chiara        = "chiara@example-labs.com" // no password
)

// LogAddress is the log address of the fixtures.
const LogAddress = crmtest.LogAddress

// Mailbox is the mailbox name the fixtures are recorded from.
const Mailbox = "main"

// Users are the users of a test store, as the web app's config: those of
// config.example.yaml, with Alice an admin.
func Users() []web.User {
	return []web.User{
		{Email: Alice, Name: "Alice Rossi", Aliases: []string{"a.rossi@example.com", "alice.rossi.sales@gmail.com"}, Admin: true},
		{Email: Bob, Name: "Bob Marsh"},
		{Email: Chiara, Name: "Chiara Neri"},
	}
}

// Rules are the rules the fixtures are judged by (config.example.yaml,
// with max_message_size 100KB so that reject-too-large.eml is too large).
func Rules(t testing.TB) *crm.Rules {
	t.Helper()
	return crmtest.Rules(t, func(c *crm.Config) { c.MaxMessageSize = 100 << 10 })
}

// FixturesDir is the project's fixtures folder.
func FixturesDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "fixtures")
}

// Fixture returns the bytes of a fixture file (name as in fixtures/).
func Fixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(FixturesDir(), name))
	if err != nil {
		t.Fatalf("webtest: %v", err)
	}
	return data
}

// NewStore returns a store in t.TempDir() holding every fixture, recorded
// in one pass over mailbox "main" with UIDs in file-name order, the users
// (Alice and Bob with passwords) and one open deal, "Tidewater rollout"
// (deal 1), on rkim@tidewater-health.example, imported before the
// fixtures so that Bob's emails to her are logged on it. It is closed when
// the test ends.
func NewStore(t testing.TB) (*crmstore.Store, []web.User) {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "crm.db"), crmstore.Options{})
	if err != nil {
		t.Fatalf("webtest: open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	var users []crm.User
	for _, u := range Users() {
		users = append(users, crm.User{Email: u.Email, Name: u.Name, Aliases: u.Aliases})
	}
	if err := store.SyncUsers(ctx, users); err != nil {
		t.Fatalf("webtest: sync users: %v", err)
	}
	for email, plain := range map[string]string{Alice: AlicePassword, Bob: BobPassword} {
		hash, err := password.Hash(plain)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.SetPassword(ctx, email, hash); err != nil {
			t.Fatalf("webtest: set password: %v", err)
		}
	}
	// The deal first, so that the emails logged on its contact are logged
	// on it too.
	if err := store.ImportContacts(ctx, []crm.Person{{Address: "rkim@tidewater-health.example", Name: "Rachel Kim",
		Company: "tidewater-health.example", Owner: Bob, Source: "import"}}); err != nil {
		t.Fatalf("webtest: import contact: %v", err)
	}
	amount := 48000.0
	if err := store.ImportDeals(ctx, []crm.Deal{{
		ExternalID: "D-1", Name: "Tidewater rollout", Stage: "proposal", Status: crm.DealOpen,
		Amount: &amount, Company: "tidewater-health.example", Contacts: []string{"rkim@tidewater-health.example"},
	}}); err != nil {
		t.Fatalf("webtest: import deal: %v", err)
	}
	files, err := filepath.Glob(filepath.Join(FixturesDir(), "*.eml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("webtest: no fixtures in %s", FixturesDir())
	}
	rules := Rules(t)
	var items []ingest.Item
	for i, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, ingest.Process(rules, ingest.Origin{Mailbox: Mailbox, UIDValidity: 1, UID: uint32(i + 1)}, raw))
	}
	started := time.Now()
	results, err := store.Record(ctx, items)
	if err != nil {
		t.Fatalf("webtest: record fixtures: %v", err)
	}
	pass := crmstore.PassRecord{Mailbox: Mailbox, StartedAt: started, FinishedAt: time.Now(), Seen: len(results)}
	for _, r := range results {
		switch r.Outcome {
		case ingest.OutcomeLogged:
			pass.Logged++
		case ingest.OutcomeRejected:
			pass.Rejected++
		case ingest.OutcomeDuplicate:
			pass.Duplicate++
		case ingest.OutcomeFailed:
			pass.Failed++
		}
	}
	if err := store.RecordPass(ctx, pass); err != nil {
		t.Fatalf("webtest: record pass: %v", err)
	}
	return store, Users()
}

// Record runs raw messages through the intake path into store, as files
// named msgN.eml, and returns the results.
func Record(t testing.TB, store *crmstore.Store, raws ...[]byte) []ingest.Result {
	t.Helper()
	rules := Rules(t)
	items := make([]ingest.Item, len(raws))
	for i, raw := range raws {
		items[i] = ingest.Process(rules, ingest.Origin{Path: fmt.Sprintf("msg%d-%d.eml", time.Now().UnixNano(), i)}, raw)
	}
	res, err := store.Record(context.Background(), items)
	if err != nil {
		t.Fatalf("webtest: record: %v", err)
	}
	return res
}

// Bcc makes a raw bcc message from a user to a prospect, with the log
// address in Bcc, dated Tue, 3 Mar 2026 10:00:00 +0100 and with a unique
// Message-ID. Extra header lines go before the body; a Date or Message-ID
// among them replaces the default one.
func Bcc(from, to, subject, body string, extra ...string) []byte {
	h := []string{"From: " + from, "To: " + to, "Bcc: " + LogAddress, "Subject: " + subject}
	has := func(name string) bool {
		for _, e := range extra {
			if strings.HasPrefix(strings.ToLower(e), strings.ToLower(name)+":") {
				return true
			}
		}
		return false
	}
	if !has("Date") {
		h = append(h, "Date: Tue, 3 Mar 2026 10:00:00 +0100")
	}
	if !has("Message-ID") {
		h = append(h, fmt.Sprintf("Message-ID: <webtest-%d@example.com>", time.Now().UnixNano()))
	}
	return []byte(strings.Join(append(h, extra...), "\r\n") + "\r\n\r\n" + body + "\r\n")
}

// NewServer starts the app over store with cfg (its Users default to
// Users()) on an httptest server, closed when the test ends.
func NewServer(t testing.TB, store web.Store, cfg web.Config) *httptest.Server {
	t.Helper()
	if cfg.Users == nil {
		cfg.Users = Users()
	}
	if cfg.LogAddress == "" {
		cfg.LogAddress = LogAddress
	}
	app, err := web.New(store, cfg)
	if err != nil {
		t.Fatalf("webtest: web.New: %v", err)
	}
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	return srv
}

// Client returns an HTTP client with a cookie jar that does not follow
// redirects (tests look at them).
func Client(t testing.TB) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// SignIn signs in at srv as email with plain through the sign-in form and
// returns a client holding the session cookie. It fails the test unless
// sign-in redirects.
func SignIn(t testing.TB, srv *httptest.Server, email, plain string) *http.Client {
	t.Helper()
	c := Client(t)
	resp, err := c.PostForm(srv.URL+"/login", url.Values{"email": {email}, "password": {plain}})
	if err != nil {
		t.Fatalf("webtest: sign in: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("webtest: sign in as %s: status %d, want 303", email, resp.StatusCode)
	}
	return c
}
