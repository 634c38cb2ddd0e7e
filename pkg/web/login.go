package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/poller-crm/poller/pkg/password"
)

// loginPage is the data of the sign-in page.
type loginPage struct {
	Email string
	Next  string
	Error string
}

// The sign-in failure messages. The first is the same whether or not the
// address is a user's.
const (
	msgWrongPassword = "Wrong email or password."
	msgTooMany       = "Too many sign-in attempts. Wait a minute, then try again."
)

// maxPasswordLen bounds what is hashed.
const maxPasswordLen = 1024

// loginForm shows the sign-in form, or sends a signed-in user on.
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	if !safeNext(next) {
		next = ""
	}
	if user, _, err := s.authenticate(r); err == nil && user != nil {
		http.Redirect(w, r, orHome(next), http.StatusSeeOther)
		return
	}
	s.render(w, r, nil, http.StatusOK, "login", "Sign in", "", loginPage{Next: next})
}

// loginSubmit checks an email and password and starts a session.
func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, nil, http.StatusBadRequest, "Bad request", "The sign-in form could not be read.")
		return
	}
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	plain := r.PostFormValue("password")
	next := r.PostFormValue("next")
	if !safeNext(next) {
		next = ""
	}
	page := loginPage{Email: email, Next: next}

	if !s.limits.allow(s.now(), email, clientKey(r.RemoteAddr)) {
		s.log.Warn("sign-in rate-limited", "address", email, "client", clientKey(r.RemoteAddr))
		w.Header().Set("Retry-After", "60")
		page.Error = msgTooMany
		s.render(w, r, nil, http.StatusTooManyRequests, "login", "Sign in", "", page)
		return
	}

	user, err := s.checkPassword(r, email, plain)
	if err != nil {
		s.serverError(w, r, nil, err)
		return
	}
	if user == nil {
		s.log.Info("sign-in failed", "address", email, "client", clientKey(r.RemoteAddr))
		page.Error = msgWrongPassword
		s.render(w, r, nil, http.StatusUnauthorized, "login", "Sign in", "", page)
		return
	}
	// A new token at every sign-in; the session the browser had, if any,
	// ends.
	if old := s.cookieToken(r); old != nil {
		if err := s.store.DeleteSession(r.Context(), old); err != nil {
			s.log.Warn("delete previous session", "err", err)
		}
	}
	if err := s.newSession(r.Context(), w, user); err != nil {
		s.serverError(w, r, nil, err)
		return
	}
	s.limits.succeeded(email)
	s.log.Info("signed in", "user", user.Email)
	http.Redirect(w, r, orHome(next), http.StatusSeeOther)
}

// checkPassword returns the user whose address and password these are, or
// nil. An address that is no user's, or a user with no password, is
// checked against a dummy hash so that it takes as long.
func (s *Server) checkPassword(r *http.Request, email, plain string) (*User, error) {
	user := s.users[email]
	hash := ""
	if user != nil {
		var err error
		if hash, err = s.store.PasswordHash(r.Context(), user.Email); err != nil {
			return nil, err
		}
	}
	if len(plain) > maxPasswordLen {
		plain = plain[:maxPasswordLen]
	}
	if hash == "" || plain == "" {
		s.verify(s.dummyHash, plain)
		return nil, nil
	}
	ok, err := s.verify(hash, plain)
	if errors.Is(err, password.ErrFormat) {
		s.log.Error("stored password hash unreadable: set the password again", "user", user.Email, "err", err)
		return nil, nil
	}
	if err != nil || !ok {
		return nil, err
	}
	return user, nil
}

// logout ends the session.
func (s *Server) logout(w http.ResponseWriter, r *http.Request, a *auth) {
	if a.Token != nil {
		if err := s.store.DeleteSession(r.Context(), a.Token); err != nil {
			s.serverError(w, r, a, err)
			return
		}
	}
	s.clearCookie(w)
	s.log.Info("signed out", "user", a.User.Email)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func orHome(next string) string {
	if next == "" {
		return "/"
	}
	return next
}
