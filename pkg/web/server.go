package web

import (
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"time"
)

// User is a team member who may sign in: one of the config's users.
type User struct {
	Email   string // primary address
	Name    string
	Aliases []string
	Admin   bool
}

// Visibility values.
const (
	VisibilityTeam = "team" // every user sees the team's logged emails (default)
	VisibilityOwn  = "own"  // a user sees only emails attributed to them
)

// Config configures the web app. Zero values take the defaults.
type Config struct {
	Users []User
	// Visibility is VisibilityTeam or VisibilityOwn; "" means team.
	Visibility string
	// TrustedHeader names a header (X-Forwarded-Email) that an SSO proxy
	// sets to the signed-in user's address. It is honoured only on
	// connections from TrustedProxies.
	TrustedHeader  string
	TrustedProxies []netip.Prefix
	// BaseURL is the app's public URL, for links in mail ("" = unknown).
	BaseURL string
	// Location is the time zone dates are shown in; nil means UTC.
	Location *time.Location
	// SecureCookies marks cookies Secure (serving over TLS, or behind an
	// HTTPS proxy).
	SecureCookies bool
	// SessionIdle and SessionMax end a session after this long unused, and
	// this long after sign-in; 0 means 12h and 30 days.
	SessionIdle, SessionMax time.Duration
	Logger                  *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Server is the web app: an http.Handler.
type Server struct {
	store Store
	cfg   Config
	mux   *http.ServeMux
}

// New returns the web app over store. It refuses a trusted header without
// trusted proxies, or with a proxy range that trusts every address.
func New(store Store, cfg Config) (*Server, error) {
	if cfg.TrustedHeader != "" && len(cfg.TrustedProxies) == 0 {
		return nil, errors.New("web.trusted_header needs web.trusted_proxies")
	}
	s := &Server{store: store, cfg: cfg, mux: http.NewServeMux()}
	return s, nil
}

// ServeHTTP serves the app.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }
