package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/ingest"
	"github.com/poller-crm/poller/pkg/view"
	"github.com/poller-crm/poller/pkg/web"
	"github.com/poller-crm/poller/pkg/web/webtest"
)

// testClock is a clock tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// harness is the app over a fixture store, driven in-process (so that
// tests choose the connecting address) on a clock the test moves.
type harness struct {
	t     *testing.T
	store *crmstore.Store
	app   *web.Server
	clock *testClock
	// remote is the RemoteAddr of requests.
	remote string
}

// newHarness opens a fixture store and the app over it; edit adjusts the
// config first.
func newHarness(t *testing.T, edit func(*web.Config)) *harness {
	t.Helper()
	store, users := webtest.NewStore(t)
	clock := &testClock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)}
	cfg := web.Config{Users: users, Now: clock.Now, LogAddress: webtest.LogAddress}
	if edit != nil {
		edit(&cfg)
	}
	app, err := web.New(store, cfg)
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	return &harness{t: t, store: store, app: app, clock: clock, remote: "192.0.2.10:40000"}
}

// do serves one request; cookies are sent as given.
func (h *harness) do(method, target string, form url.Values, cookie *http.Cookie, edit func(*http.Request)) *http.Response {
	h.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	r.RemoteAddr = h.remote
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != nil {
		r.AddCookie(cookie)
	}
	if edit != nil {
		edit(r)
	}
	rec := httptest.NewRecorder()
	h.app.ServeHTTP(rec, r)
	return rec.Result()
}

func (h *harness) get(target string, cookie *http.Cookie) *http.Response {
	h.t.Helper()
	return h.do(http.MethodGet, target, nil, cookie, nil)
}

// page GETs target as cookie's user and returns the status and body.
func (h *harness) page(target string, cookie *http.Cookie) (int, string) {
	h.t.Helper()
	resp := h.get(target, cookie)
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// login posts the sign-in form.
func (h *harness) login(email, plain string) *http.Response {
	h.t.Helper()
	return h.do(http.MethodPost, "/login", url.Values{"email": {email}, "password": {plain}}, nil, nil)
}

// signIn signs in and returns the session cookie.
func (h *harness) signIn(email, plain string) *http.Cookie {
	h.t.Helper()
	resp := h.login(email, plain)
	if resp.StatusCode != http.StatusSeeOther {
		b, _ := io.ReadAll(resp.Body)
		h.t.Fatalf("sign in as %s: status %d, want 303\n%s", email, resp.StatusCode, b)
	}
	c := sessionCookie(resp)
	if c == nil {
		h.t.Fatalf("sign in as %s: no session cookie", email)
	}
	return c
}

func (h *harness) alice() *http.Cookie { return h.signIn(webtest.Alice, webtest.AlicePassword) }
func (h *harness) bob() *http.Cookie   { return h.signIn(webtest.Bob, webtest.BobPassword) }

// sessionCookie returns the session cookie a response sets, if any.
func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if strings.Contains(c.Name, "poller_session") && c.Value != "" && c.MaxAge >= 0 {
			return c
		}
	}
	return nil
}

// viewer is a viewer for reading the store directly.
func (h *harness) viewer(email string, admin bool) view.Viewer {
	h.t.Helper()
	id, err := h.store.UserID(context.Background(), email)
	if err != nil {
		h.t.Fatal(err)
	}
	return view.Viewer{UserID: id, Email: email, Addresses: []string{email}, Admin: admin}
}

// emailOf returns the id of the email a subject was logged as.
func (h *harness) emailOf(subject string) int64 {
	h.t.Helper()
	var id int64
	err := h.store.DB().QueryRow(`SELECT id FROM emails WHERE subject = ? ORDER BY id LIMIT 1`, subject).Scan(&id)
	if err != nil {
		h.t.Fatalf("email %q: %v", subject, err)
	}
	return id
}

// attachmentOf returns the id of an email's first attachment.
func (h *harness) attachmentOf(emailID int64) int64 {
	h.t.Helper()
	var id int64
	if err := h.store.DB().QueryRow(`SELECT id FROM attachments WHERE email_id = ? ORDER BY id LIMIT 1`, emailID).Scan(&id); err != nil {
		h.t.Fatalf("attachment of email %d: %v", emailID, err)
	}
	return id
}

// record logs raw messages and returns the first email id of each.
func (h *harness) record(raws ...[]byte) []int64 {
	h.t.Helper()
	var ids []int64
	for i, res := range webtest.Record(h.t, h.store, raws...) {
		if res.Outcome != ingest.OutcomeLogged || len(res.EmailIDs) == 0 {
			h.t.Fatalf("message %d not logged: %+v", i, res)
		}
		ids = append(ids, res.EmailIDs[0])
	}
	return ids
}

// The subject of bcc-with-pdf-attachment.eml (Bob's, with a PDF).
const quoteSubject = "Quote Q-2026-0388 for Tidewater Health"
