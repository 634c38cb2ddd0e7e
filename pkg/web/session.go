package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/poller-crm/poller/pkg/view"
)

// Session cookie names: the __Host- prefix (RFC 6265bis) binds the cookie
// to this host, Secure and Path=/, which only a secure cookie may carry.
const (
	cookieName       = "poller_session"
	secureCookieName = "__Host-poller_session"
)

// tokenLen is the number of random bytes of a session token.
const tokenLen = 32

// touchEvery is how often a session's last use is written.
const touchEvery = time.Minute

func (s *Server) cookieName() string {
	if s.cfg.SecureCookies {
		return secureCookieName
	}
	return cookieName
}

// newSession creates and stores a session for user and sets its cookie.
func (s *Server) newSession(ctx context.Context, w http.ResponseWriter, user *User) error {
	raw := make([]byte, tokenLen)
	if _, err := rand.Read(raw); err != nil {
		return fmt.Errorf("session token: %w", err)
	}
	now := s.now()
	if err := s.store.CreateSession(ctx, tokenHash(raw), user.Email, now); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	http.SetCookie(w, &http.Cookie{
		Name:     s.cookieName(),
		Value:    base64.RawURLEncoding.EncodeToString(raw),
		Path:     "/",
		MaxAge:   int(s.cfg.SessionMax / time.Second),
		HttpOnly: true,
		Secure:   s.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	})
	// Sign-in is a good moment to forget expired sessions.
	if err := s.store.DeleteSessionsBefore(ctx, now.Add(-s.cfg.SessionIdle), now.Add(-s.cfg.SessionMax)); err != nil {
		s.log.Warn("delete expired sessions", "err", err)
	}
	return nil
}

// clearCookie tells the browser to forget the session cookie.
func (s *Server) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name:     s.cookieName(),
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   s.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	})
}

// tokenHash is what the store keeps of a token: its SHA-256, so that a
// copy of the database does not sign anyone in.
func tokenHash(raw []byte) []byte {
	h := sha256.Sum256(raw)
	return h[:]
}

// cookieToken returns the hash of the request's session token, or nil.
func (s *Server) cookieToken(r *http.Request) []byte {
	c, err := r.Cookie(s.cookieName())
	if err != nil || c.Value == "" {
		return nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimSpace(c.Value))
	if err != nil || len(raw) != tokenLen {
		return nil
	}
	return tokenHash(raw)
}

// errNoSession means the request has no valid session; the cookie, if
// any, should be cleared.
var errNoSession = errors.New("no valid session")

// session returns the user of the request's session, checking its idle and
// absolute expiry, and records its use (at most once a minute). An expired
// session is deleted.
func (s *Server) session(ctx context.Context, hash []byte) (*User, error) {
	if hash == nil {
		return nil, errNoSession
	}
	sess, err := s.store.Session(ctx, hash)
	switch {
	case errors.Is(err, view.ErrNotFound):
		return nil, errNoSession
	case err != nil:
		return nil, fmt.Errorf("read session: %w", err)
	}
	now := s.now()
	user := s.users[strings.ToLower(sess.UserEmail)]
	if user == nil || user.Email != strings.ToLower(sess.UserEmail) ||
		now.Sub(sess.LastSeenAt) > s.cfg.SessionIdle || now.Sub(sess.CreatedAt) > s.cfg.SessionMax {
		if err := s.store.DeleteSession(ctx, hash); err != nil {
			s.log.Warn("delete expired session", "err", err)
		}
		return nil, errNoSession
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := s.store.TouchSession(ctx, hash, now); err != nil {
			s.log.Warn("touch session", "err", err)
		}
	}
	return user, nil
}
