package web

import (
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/password"
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

// Default session lifetimes.
const (
	DefaultSessionIdle = 12 * time.Hour
	DefaultSessionMax  = 30 * 24 * time.Hour
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
	// LogAddress is the catch-all address users Bcc and forward to, named
	// in the advice shown for rejected messages ("" = "the log address").
	LogAddress string
	// Rules are the config's rules, which "log it on a contact" and
	// "re-run the rules" decide with; nil leaves those two actions out.
	Rules *crm.Rules
}

// Server is the web app: an http.Handler.
type Server struct {
	store   Store
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	handler http.Handler
	pages   map[string]*template.Template
	static  map[string]staticFile
	// users maps a user's primary address and aliases, lower-case, to them.
	users map[string]*User
	// dummyHash is verified against when a user has no password, so that
	// a failed sign-in takes as long whether or not the address is a user.
	dummyHash string
	// verify checks a password against a hash (password.Verify; tests
	// count its calls).
	verify func(hash, plain string) (bool, error)
	limits *signInLimits

	idsMu sync.Mutex
	ids   map[string]int64 // primary address → users.id
}

// New returns the web app over store. It refuses a trusted header without
// trusted proxies, or with a proxy range that trusts every address.
func New(store Store, cfg Config) (*Server, error) {
	if store == nil {
		return nil, errors.New("web app: no store")
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = DefaultSessionIdle
	}
	if cfg.SessionMax <= 0 {
		cfg.SessionMax = DefaultSessionMax
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Visibility == "" {
		cfg.Visibility = VisibilityTeam
	}
	if cfg.TrustedHeader != "" {
		cfg.TrustedHeader = textproto.CanonicalMIMEHeaderKey(cfg.TrustedHeader)
	}
	s := &Server{
		store:  store,
		cfg:    cfg,
		log:    cfg.Logger,
		mux:    http.NewServeMux(),
		users:  map[string]*User{},
		ids:    map[string]int64{},
		limits: newSignInLimits(),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for i := range s.cfg.Users {
		u := &s.cfg.Users[i]
		u.Email = strings.ToLower(strings.TrimSpace(u.Email))
		for _, a := range append([]string{u.Email}, u.Aliases...) {
			a = strings.ToLower(strings.TrimSpace(a))
			if a == "" {
				continue
			}
			if other, ok := s.users[a]; ok && other != u {
				return nil, fmt.Errorf("web app: address %s belongs to two users", a)
			}
			s.users[a] = u
		}
	}
	var err error
	s.verify = password.Verify
	if s.dummyHash, err = dummyPasswordHash(); err != nil {
		return nil, fmt.Errorf("web app: %w", err)
	}
	if s.pages, err = parseTemplates(s.funcs()); err != nil {
		return nil, fmt.Errorf("web app: %w", err)
	}
	if s.static, err = loadStatic(); err != nil {
		return nil, fmt.Errorf("web app: %w", err)
	}
	s.routes()
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))
	if origin := baseOrigin(cfg.BaseURL); origin != "" {
		// Behind a proxy that rewrites Host, the public origin is still
		// this site's.
		if err := cop.AddTrustedOrigin(origin); err != nil {
			return nil, fmt.Errorf("web.base_url: %w", err)
		}
	}
	s.handler = s.securityHeaders(cop.Handler(s.mux))
	return s, nil
}

// check validates the parts of the config New cannot default.
func (c Config) check() error {
	switch c.Visibility {
	case "", VisibilityTeam, VisibilityOwn:
	default:
		return fmt.Errorf("web.visibility: %q is neither %q nor %q", c.Visibility, VisibilityTeam, VisibilityOwn)
	}
	if c.TrustedHeader == "" {
		return nil
	}
	if len(c.TrustedProxies) == 0 {
		return errors.New("web.trusted_header needs web.trusted_proxies: the header is honoured only from them")
	}
	for _, p := range c.TrustedProxies {
		if !p.IsValid() {
			return fmt.Errorf("web.trusted_proxies: %v is not a valid address range", p)
		}
		if p.Bits() == 0 {
			return fmt.Errorf("web.trusted_proxies: %v trusts every address: anyone could sign in as anyone by sending %s", p, c.TrustedHeader)
		}
	}
	return nil
}

// routes registers every page. Every route except /login and /static
// requires a signed-in user.
func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /login", s.loginForm)
	m.HandleFunc("POST /login", s.loginSubmit)
	m.HandleFunc("GET /static/{file}", s.serveStatic)
	m.Handle("POST /logout", s.authed(s.logout))

	m.Handle("GET /{$}", s.authed(s.home))
	m.Handle("GET /contacts", s.authed(s.contacts))
	m.Handle("GET /contacts/{address}", s.authed(s.contact))
	m.Handle("GET /companies", s.authed(s.companies))
	m.Handle("GET /companies/{domain}", s.authed(s.company))
	m.Handle("GET /deals", s.authed(s.deals))
	m.Handle("GET /deals/{id}", s.authed(s.deal))
	m.Handle("GET /emails/{id}", s.authed(s.email))
	m.Handle("GET /emails/{id}/html", s.authed(s.emailHTML))
	m.Handle("GET /emails/{id}/raw", s.authed(s.emailRaw))
	m.Handle("GET /emails/{id}/attachments/{aid}", s.authed(s.attachment))
	m.Handle("GET /search", s.authed(s.search))
	m.Handle("GET /intake", s.authed(s.intake))
	m.Handle("GET /intake/{id}", s.authed(s.intakeRow))
	m.Handle("GET /intake/{id}/raw", s.authed(s.intakeRaw))
	m.Handle("POST /intake/{id}/log", s.authed(s.intakeLog))
	m.Handle("POST /intake/{id}/rerun", s.authed(s.intakeRerun))
	m.Handle("POST /intake/{id}/dismiss", s.authed(s.intakeDismiss))
	m.Handle("POST /intake/{id}/undo", s.authed(s.intakeUndo))
	// Anything else: sign in first, then a 404 page (so that which paths
	// exist is not told to strangers).
	m.Handle("/", s.authed(s.notFound))
}

// ServeHTTP serves the app.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) now() time.Time { return s.cfg.Now() }

// baseOrigin is the origin (scheme://host[:port]) of a base URL, or "".
func baseOrigin(base string) string {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
