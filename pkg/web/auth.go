package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/poller-crm/poller/pkg/password"
	"github.com/poller-crm/poller/pkg/view"
)

// auth is who a request is from.
type auth struct {
	User   *User
	Viewer view.Viewer
	// Token is the hash of the session token; nil when signed in by the
	// trusted header.
	Token []byte
}

// authedHandler is a handler for signed-in users.
type authedHandler func(w http.ResponseWriter, r *http.Request, a *auth)

// authed wraps h so that only a signed-in user reaches it; anyone else is
// sent to the sign-in page, which sends them back here.
func (s *Server) authed(h authedHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, token, err := s.authenticate(r)
		switch {
		case errors.Is(err, errNoSession):
			if token != nil || s.hasCookie(r) {
				s.clearCookie(w)
			}
			s.toLogin(w, r)
			return
		case errors.Is(err, errNotUser):
			s.renderError(w, r, nil, http.StatusForbidden, "Not a user",
				"Your sign-in proxy says you are someone who is not a user of this app. Ask an admin to add you to the config's users.")
			return
		case err != nil:
			s.serverError(w, r, nil, err)
			return
		}
		v, err := s.viewer(r.Context(), user)
		if err != nil {
			s.serverError(w, r, nil, err)
			return
		}
		h(w, r, &auth{User: user, Viewer: v, Token: token})
	})
}

func (s *Server) hasCookie(r *http.Request) bool {
	_, err := r.Cookie(s.cookieName())
	return err == nil
}

// errNotUser means the trusted header names someone who is not a user.
var errNotUser = errors.New("the trusted header names no user")

// authenticate finds the request's user: from the trusted header when the
// connection comes from a trusted proxy and the header is set, else from
// the session cookie. It returns the session's token hash when there is
// one.
func (s *Server) authenticate(r *http.Request) (*User, []byte, error) {
	if addr, ok := s.trustedHeader(r); ok {
		u := s.users[addr]
		if u == nil {
			s.log.Warn("trusted header names no user", "header", s.cfg.TrustedHeader, "address", addr)
			return nil, nil, errNotUser
		}
		return u, nil, nil
	}
	token := s.cookieToken(r)
	u, err := s.session(r.Context(), token)
	return u, token, err
}

// trustedHeader returns the address in the trusted header, lower-case,
// when the header is configured and set and the connecting address (never
// X-Forwarded-For) is a trusted proxy.
func (s *Server) trustedHeader(r *http.Request) (string, bool) {
	if s.cfg.TrustedHeader == "" {
		return "", false
	}
	v := strings.ToLower(strings.TrimSpace(r.Header.Get(s.cfg.TrustedHeader)))
	if v == "" || !s.fromTrustedProxy(r) {
		return "", false
	}
	return v, true
}

func (s *Server) fromTrustedProxy(r *http.Request) bool {
	addr, ok := remoteIP(r.RemoteAddr)
	if !ok {
		return false
	}
	addr = addr.WithZone("")
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// viewer is what the store needs to know of who is looking.
func (s *Server) viewer(ctx context.Context, u *User) (view.Viewer, error) {
	id, err := s.userID(ctx, u.Email)
	if err != nil {
		return view.Viewer{}, err
	}
	addrs := []string{u.Email}
	for _, a := range u.Aliases {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" && a != u.Email {
			addrs = append(addrs, a)
		}
	}
	return view.Viewer{
		UserID:    id,
		Email:     u.Email,
		Addresses: addrs,
		Admin:     u.Admin,
		OwnOnly:   s.cfg.Visibility == VisibilityOwn && !u.Admin,
	}, nil
}

// userID returns the store's id of a user, remembered once known.
func (s *Server) userID(ctx context.Context, email string) (int64, error) {
	s.idsMu.Lock()
	id, ok := s.ids[email]
	s.idsMu.Unlock()
	if ok {
		return id, nil
	}
	id, err := s.store.UserID(ctx, email)
	if err != nil {
		return 0, err
	}
	if id != 0 {
		s.idsMu.Lock()
		s.ids[email] = id
		s.idsMu.Unlock()
	}
	return id, nil
}

// toLogin redirects to the sign-in page, which returns here afterwards.
func (s *Server) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		if next := r.URL.RequestURI(); next != "/" && safeNext(next) {
			target += "?next=" + url.QueryEscape(next)
		}
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// safeNext reports whether next is a path on this site to return to after
// sign-in: relative to the root, and not a scheme-relative URL ("//evil",
// "/\evil") that a browser would take to another host.
func safeNext(next string) bool {
	if next == "" || next[0] != '/' || len(next) > 2048 {
		return false
	}
	if len(next) > 1 && (next[1] == '/' || next[1] == '\\') {
		return false
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return false
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return false
	}
	return !strings.HasPrefix(u.Path, "//")
}

// dummyPasswordHash makes a hash to verify against for addresses that
// have no password, so that they take as long to refuse.
func dummyPasswordHash() (string, error) {
	return password.Hash("no password: this hash only takes time")
}
