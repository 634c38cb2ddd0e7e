package web_test

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/web"
	"github.com/poller-crm/poller/pkg/web/webtest"
)

// protectedPaths are pages that need a session, with ids that exist.
func protectedPaths(h *harness) []string {
	id := h.emailOf(quoteSubject)
	return []string{
		"/", "/contacts", "/contacts/rkim@tidewater-health.example", "/companies",
		"/companies/tidewater-health.example", "/deals", "/deals/1",
		fmt.Sprintf("/emails/%d", id), fmt.Sprintf("/emails/%d/html", id), fmt.Sprintf("/emails/%d/raw", id),
		fmt.Sprintf("/emails/%d/attachments/1", id), "/search?q=fridges", "/intake", "/intake/1",
		"/intake/1/raw", "/no-such-page", "/emails/abc",
	}
}

func TestProtectedRoutesRedirectToLogin(t *testing.T) {
	h := newHarness(t, nil)
	for _, p := range protectedPaths(h) {
		resp := h.get(p, nil)
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
			t.Errorf("GET %s without a session = %d %q, want 303 to /login", p, resp.StatusCode, loc)
			continue
		}
		if p == "/" {
			continue
		}
		u, _ := url.Parse(loc)
		if got := u.Query().Get("next"); got != p {
			t.Errorf("GET %s: redirect to %q, want next=%s", p, loc, p)
		}
		b, _ := io.ReadAll(resp.Body)
		if strings.Contains(string(b), "Tidewater") {
			t.Errorf("GET %s without a session shows data", p)
		}
	}
	// A bogus cookie is no session either.
	resp := h.get("/", &http.Cookie{Name: "poller_session", Value: "AAAA"})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("GET / with a bogus cookie = %d, want 303", resp.StatusCode)
	}
	resp = h.do(http.MethodPost, "/logout", url.Values{}, nil, nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("POST /logout without a session = %d %q, want 303 to /login", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The sign-in page and the assets are open.
	if code, body := h.page("/login", nil); code != http.StatusOK || !strings.Contains(body, `name="password"`) {
		t.Errorf("GET /login = %d, want the form", code)
	}
}

func TestLoginNextParameter(t *testing.T) {
	h := newHarness(t, nil)
	for _, tc := range []struct{ next, want string }{
		{"/contacts?q=acme", "/contacts?q=acme"},
		{"", "/"},
		{"//evil.example/x", "/"},
		{"https://evil.example/", "/"},
		{"/\\evil.example", "/"},
	} {
		form := url.Values{"email": {webtest.Bob}, "password": {webtest.BobPassword}, "next": {tc.next}}
		resp := h.do(http.MethodPost, "/login", form, nil, nil)
		if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || got != tc.want {
			t.Errorf("sign in with next=%q = %d %q, want 303 to %q", tc.next, resp.StatusCode, got, tc.want)
		}
	}
	// The form carries next through.
	_, body := h.page("/login?next="+url.QueryEscape("/deals"), nil)
	if !strings.Contains(body, `name="next" value="/deals"`) {
		t.Errorf("/login?next=/deals: the form does not carry next")
	}
}

func TestWrongPasswordGetsNoCookie(t *testing.T) {
	h := newHarness(t, nil)
	var bodies []string
	for _, tc := range []struct{ email, plain string }{
		{webtest.Bob, "not-bobs-password"},
		{webtest.Bob, ""},
		{"nobody@example.com", webtest.BobPassword},
		{webtest.Chiara, "anything"}, // a user with no password
		{webtest.Chiara, ""},
	} {
		resp := h.login(tc.email, tc.plain)
		if c := sessionCookie(resp); c != nil {
			t.Errorf("sign in as %s with a wrong password set cookie %v", tc.email, c)
		}
		if resp.StatusCode == http.StatusSeeOther {
			t.Errorf("sign in as %s with a wrong password redirected to %s", tc.email, resp.Header.Get("Location"))
		}
		b, _ := io.ReadAll(resp.Body)
		body := string(b)
		if !strings.Contains(body, "Wrong email or password") {
			t.Errorf("sign in as %s: no failure message", tc.email)
		}
		// The same page whoever it is, but for the address typed back.
		bodies = append(bodies, strings.ReplaceAll(body, tc.email, "EMAIL"))
	}
	for i := range bodies {
		if bodies[i] != bodies[0] {
			t.Errorf("failure page %d differs from the first: the message tells users apart", i)
		}
	}
}

func TestSignInCookie(t *testing.T) {
	for _, secure := range []bool{false, true} {
		h := newHarness(t, func(c *web.Config) { c.SecureCookies = secure })
		resp := h.login(webtest.Alice, webtest.AlicePassword)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
			t.Fatalf("sign in = %d %q, want 303 to /", resp.StatusCode, resp.Header.Get("Location"))
		}
		c := sessionCookie(resp)
		if c == nil {
			t.Fatalf("secure %v: no session cookie in %v", secure, resp.Header["Set-Cookie"])
		}
		wantName := "poller_session"
		if secure {
			wantName = "__Host-poller_session"
		}
		if c.Name != wantName || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure != secure || c.Domain != "" {
			t.Errorf("secure %v: cookie %+v, want %s HttpOnly SameSite=Lax Path=/ Secure=%v, no Domain", secure, c, wantName, secure)
		}
		if len(c.Value) != 43 { // 32 bytes, base64url without padding
			t.Errorf("cookie value %q: want 32 random bytes in base64url", c.Value)
		}
		// The store keeps only the token's SHA-256.
		raw, err := base64.RawURLEncoding.DecodeString(c.Value)
		if err != nil || len(raw) != 32 {
			t.Fatalf("cookie value %q: want 32 bytes in base64url (%v)", c.Value, err)
		}
		sum := sha256.Sum256(raw)
		var hashed, plain int
		h.store.DB().QueryRow(`SELECT COUNT(*) FROM sessions WHERE token_hash = ?`, sum[:]).Scan(&hashed)
		h.store.DB().QueryRow(`SELECT COUNT(*) FROM sessions WHERE token_hash = ? OR token_hash = ?`, raw, c.Value).Scan(&plain)
		if hashed != 1 || plain != 0 {
			t.Errorf("sessions under the token's hash: %d, under the token: %d; want 1 and 0", hashed, plain)
		}
		code, body := h.page("/", c)
		if code != http.StatusOK || !strings.Contains(body, "Alice Rossi") {
			t.Errorf("GET / signed in = %d, want the home page with the user's name", code)
		}
		// A signed-in user at /login goes home.
		if resp := h.get("/login", c); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("GET /login signed in = %d, want 303", resp.StatusCode)
		}
	}
}

func TestSignOut(t *testing.T) {
	h := newHarness(t, nil)
	c := h.bob()
	resp := h.do(http.MethodPost, "/logout", url.Values{}, c, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("POST /logout = %d %q, want 303 to /login", resp.StatusCode, resp.Header.Get("Location"))
	}
	cleared := false
	for _, sc := range resp.Cookies() {
		if sc.Name == c.Name && sc.MaxAge < 0 {
			cleared = true
		}
	}
	if !cleared {
		t.Errorf("sign-out did not clear the cookie: %v", resp.Header["Set-Cookie"])
	}
	// The old cookie no longer works: the session is gone server-side.
	if resp := h.get("/", c); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("GET / with the signed-out cookie = %d, want 303", resp.StatusCode)
	}
	// GET /logout changes nothing.
	c = h.bob()
	h.get("/logout", c)
	if resp := h.get("/", c); resp.StatusCode != http.StatusOK {
		t.Errorf("after GET /logout the session ended (%d): GET must not change state", resp.StatusCode)
	}
}

func TestCrossSitePostRefused(t *testing.T) {
	h := newHarness(t, nil)
	c := h.bob()
	crossSite := func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") }
	otherOrigin := func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") }
	for name, edit := range map[string]func(*http.Request){"Sec-Fetch-Site: cross-site": crossSite, "Origin of another host": otherOrigin} {
		resp := h.do(http.MethodPost, "/logout", url.Values{}, c, edit)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST /logout, %s = %d, want 403", name, resp.StatusCode)
		}
		resp = h.do(http.MethodPost, "/login", url.Values{"email": {webtest.Bob}, "password": {webtest.BobPassword}}, nil, edit)
		if resp.StatusCode != http.StatusForbidden || sessionCookie(resp) != nil {
			t.Errorf("POST /login, %s = %d, want 403 and no cookie", name, resp.StatusCode)
		}
	}
	if resp := h.get("/", c); resp.StatusCode != http.StatusOK {
		t.Errorf("a refused cross-site sign-out ended the session (%d)", resp.StatusCode)
	}
	// Same-origin requests from a browser pass.
	resp := h.do(http.MethodPost, "/logout", url.Values{}, c, func(r *http.Request) {
		r.Header.Set("Sec-Fetch-Site", "same-origin")
		r.Header.Set("Origin", "http://example.com")
	})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin POST /logout = %d, want 303", resp.StatusCode)
	}
}

func TestSessionIdleExpiry(t *testing.T) {
	h := newHarness(t, func(c *web.Config) { c.SessionIdle = 2 * time.Hour })
	c := h.bob()
	for i := range 5 { // used every 90 minutes: never idle for 2h
		h.clock.Advance(90 * time.Minute)
		if resp := h.get("/", c); resp.StatusCode != http.StatusOK {
			t.Fatalf("use %d after 90 minutes: %d, want 200", i+1, resp.StatusCode)
		}
	}
	h.clock.Advance(2*time.Hour + time.Second)
	resp := h.get("/contacts", c)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("after 2h idle: %d %q, want 303 to /login", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Expired means gone: going back in time does not revive it.
	h.clock.Advance(-3 * time.Hour)
	if resp := h.get("/", c); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("an expired session came back (%d)", resp.StatusCode)
	}
}

func TestSessionAbsoluteExpiry(t *testing.T) {
	h := newHarness(t, func(c *web.Config) { c.SessionIdle = 2 * time.Hour; c.SessionMax = 24 * time.Hour })
	c := h.bob()
	for elapsed := time.Duration(0); elapsed < 23*time.Hour; elapsed += time.Hour {
		h.clock.Advance(time.Hour)
		if resp := h.get("/", c); resp.StatusCode != http.StatusOK {
			t.Fatalf("after %v in use: %d, want 200", elapsed+time.Hour, resp.StatusCode)
		}
	}
	h.clock.Advance(time.Hour + time.Second)
	if resp := h.get("/", c); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after 24h, in use all along: %d, want 303 (absolute expiry)", resp.StatusCode)
	}
}

func TestSessionDefaults(t *testing.T) {
	h := newHarness(t, nil)
	c := h.bob()
	h.clock.Advance(11 * time.Hour)
	if resp := h.get("/", c); resp.StatusCode != http.StatusOK {
		t.Errorf("after 11h idle: %d, want 200 (default idle 12h)", resp.StatusCode)
	}
	h.clock.Advance(12*time.Hour + time.Minute)
	if resp := h.get("/", c); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after 12h idle: %d, want 303", resp.StatusCode)
	}
	if c.MaxAge != int((30 * 24 * time.Hour).Seconds()) {
		t.Errorf("cookie Max-Age %d, want 30 days", c.MaxAge)
	}
}

func TestSignInRateLimit(t *testing.T) {
	h := newHarness(t, nil)
	// Per address: a few wrong guesses, then even the right password waits.
	var last *http.Response
	for i := 0; i < 10 && (last == nil || last.StatusCode != http.StatusTooManyRequests); i++ {
		h.remote = fmt.Sprintf("198.51.100.%d:1000", i+1) // from many places
		last = h.login(webtest.Bob, "guess")
	}
	if last.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("10 wrong passwords for one address: last status %d, want 429", last.StatusCode)
	}
	b, _ := io.ReadAll(last.Body)
	if !strings.Contains(string(b), "Too many sign-in attempts") {
		t.Errorf("429 without a plain message")
	}
	resp := h.login(webtest.Bob, webtest.BobPassword)
	if resp.StatusCode != http.StatusTooManyRequests || sessionCookie(resp) != nil {
		t.Errorf("the right password while limited = %d, want 429 and no cookie", resp.StatusCode)
	}
	// An address that is no user's is limited the same way.
	for i := 0; i < 10; i++ {
		last = h.login("nobody@example.com", "guess")
	}
	if last.StatusCode != http.StatusTooManyRequests {
		t.Errorf("guesses for a non-user: status %d, want 429 like a user", last.StatusCode)
	}
	// Time passes: allowed again.
	h.clock.Advance(10 * time.Minute)
	h.remote = "203.0.113.5:1000"
	if resp := h.login(webtest.Bob, webtest.BobPassword); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after 10 minutes the right password = %d, want 303", resp.StatusCode)
	}

	// Per client: one place trying many addresses.
	h.clock.Advance(time.Hour)
	h.remote = "192.0.2.99:5555"
	limited := false
	for i := 0; i < 60 && !limited; i++ {
		limited = h.login(fmt.Sprintf("user%d@example.com", i), "guess").StatusCode == http.StatusTooManyRequests
	}
	if !limited {
		t.Errorf("60 attempts on 60 addresses from one client: never limited")
	}
	if resp := h.login(webtest.Alice, webtest.AlicePassword); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a limited client signing in as alice = %d, want 429", resp.StatusCode)
	}
	h.remote = "192.0.2.100:5555"
	if resp := h.login(webtest.Alice, webtest.AlicePassword); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("another client signing in as alice = %d, want 303", resp.StatusCode)
	}
}

func TestTrustedHeader(t *testing.T) {
	h := newHarness(t, func(c *web.Config) {
		c.TrustedHeader = "X-Forwarded-Email"
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	})
	asAlice := func(r *http.Request) { r.Header.Set("X-Forwarded-Email", "Alice@Example.com") }

	// From an untrusted address, the header is ignored, whatever
	// X-Forwarded-For says.
	h.remote = "192.0.2.50:1234"
	for name, edit := range map[string]func(*http.Request){
		"header":                     asAlice,
		"header and X-Forwarded-For": func(r *http.Request) { asAlice(r); r.Header.Set("X-Forwarded-For", "10.0.0.1") },
		"header and X-Real-IP":       func(r *http.Request) { asAlice(r); r.Header.Set("X-Real-Ip", "10.0.0.1") },
	} {
		resp := h.do(http.MethodGet, "/", nil, nil, edit)
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("%s from an untrusted address: %d, want 303 to /login", name, resp.StatusCode)
		}
	}
	// From a trusted proxy it signs in.
	for _, remote := range []string{"10.1.2.3:5555", "[::1]:5555"} {
		h.remote = remote
		resp := h.do(http.MethodGet, "/", nil, nil, asAlice)
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "Alice Rossi") {
			t.Errorf("header from trusted proxy %s: %d, want alice's home page", remote, resp.StatusCode)
		}
		// An admin page: the user's admin flag comes from the config.
		if resp := h.do(http.MethodGet, "/intake", nil, nil, asAlice); resp.StatusCode != http.StatusOK {
			t.Errorf("header from trusted proxy: /intake = %d, want 200 for admin alice", resp.StatusCode)
		}
	}
	// A trusted proxy naming someone who is not a user: refused.
	h.remote = "10.1.2.3:5555"
	resp := h.do(http.MethodGet, "/", nil, nil, func(r *http.Request) { r.Header.Set("X-Forwarded-Email", "mallory@example.com") })
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("trusted header naming a non-user: %d, want 403", resp.StatusCode)
	}
	// Without the header, a trusted proxy's client signs in as usual.
	if resp := h.get("/", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("trusted proxy without the header: %d, want 303 to /login", resp.StatusCode)
	}
}

func TestNewRefusesUnsafeTrustedProxies(t *testing.T) {
	store, users := webtest.NewStore(t)
	for _, tc := range []struct {
		name    string
		proxies []string
		ok      bool
	}{
		{"none", nil, false},
		{"0.0.0.0/0", []string{"0.0.0.0/0"}, false},
		{"::/0", []string{"::/0"}, false},
		{"0.0.0.0/0 among others", []string{"127.0.0.1/32", "0.0.0.0/0"}, false},
		{"loopback", []string{"127.0.0.1/32", "::1/128"}, true},
	} {
		var ps []netip.Prefix
		for _, p := range tc.proxies {
			ps = append(ps, netip.MustParsePrefix(p))
		}
		_, err := web.New(store, web.Config{Users: users, TrustedHeader: "X-Forwarded-Email", TrustedProxies: ps})
		if (err == nil) != tc.ok {
			t.Errorf("New with trusted header and proxies %s: err %v, want ok %v", tc.name, err, tc.ok)
		}
	}
	if _, err := web.New(store, web.Config{Users: users, Visibility: "everyone"}); err == nil {
		t.Errorf("New with visibility %q: no error", "everyone")
	}
}
