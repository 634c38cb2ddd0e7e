package main

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/poller-crm/poller/pkg/web"
)

// defaultWebListen is where "poller serve" serves the web app when
// web.listen is empty.
const defaultWebListen = "127.0.0.1:8080"

// webConfig is the web: section: where and how the web app is served.
type webConfig struct {
	// Listen is the web app's address. "poller serve" defaults it to
	// defaultWebListen; "poller run" serves the app only when it is set.
	Listen string `yaml:"listen"`
	// BaseURL is the app's public URL (behind a reverse proxy), for links.
	BaseURL string `yaml:"base_url"`
	// TLSCert and TLSKey (PEM files, both or neither) make the app serve
	// HTTPS itself.
	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`
	// TrustedHeader (X-Forwarded-Email) names the signed-in user when the
	// request comes from one of TrustedProxies (CIDRs or bare addresses).
	TrustedHeader  string   `yaml:"trusted_header"`
	TrustedProxies []string `yaml:"trusted_proxies"`
	// Visibility is team (default) or own.
	Visibility string `yaml:"visibility"`
}

// checkWeb validates the web: section, naming the field at fault.
func (c *Config) checkWeb() error {
	w := c.Web
	if w.Listen != "" {
		if _, _, err := net.SplitHostPort(w.Listen); err != nil {
			return fmt.Errorf("web.listen %q: want host:port (e.g. 127.0.0.1:8080, or :8080 for every interface)", w.Listen)
		}
	}
	if w.Listen != "" && w.Listen == c.HTTP.Listen {
		return fmt.Errorf("web.listen and http.listen are both %s: give the web app its own address", w.Listen)
	}
	if w.BaseURL != "" {
		u, err := url.Parse(w.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("web.base_url %q: want an absolute http:// or https:// URL (e.g. https://crm.example.com)", w.BaseURL)
		}
	}
	if (w.TLSCert == "") != (w.TLSKey == "") {
		return errors.New("web.tls_cert and web.tls_key go together: set both (PEM files) or neither")
	}
	for _, f := range []struct{ key, path string }{{"web.tls_cert", w.TLSCert}, {"web.tls_key", w.TLSKey}} {
		if f.path == "" {
			continue
		}
		st, err := os.Stat(c.path(f.path))
		if err != nil {
			return fmt.Errorf("%s: %w", f.key, err)
		}
		if st.IsDir() {
			return fmt.Errorf("%s: %s is a folder, not a PEM file", f.key, c.path(f.path))
		}
	}
	if w.TrustedHeader != "" && !httpguts.ValidHeaderFieldName(w.TrustedHeader) {
		return fmt.Errorf("web.trusted_header %q is not a header name (e.g. X-Forwarded-Email)", w.TrustedHeader)
	}
	proxies, err := w.proxies()
	if err != nil {
		return err
	}
	if w.TrustedHeader != "" && len(proxies) == 0 {
		return fmt.Errorf("web.trusted_header %s needs web.trusted_proxies: the addresses of the SSO proxy "+
			"(e.g. [127.0.0.1]) whose %s is believed; from any other address it is ignored", w.TrustedHeader, w.TrustedHeader)
	}
	switch w.Visibility {
	case "", web.VisibilityTeam, web.VisibilityOwn:
	default:
		return fmt.Errorf("web.visibility %q: want team (everyone sees the team's logged emails) or own (a user sees only their own)", w.Visibility)
	}
	return nil
}

// proxies parses web.trusted_proxies: CIDRs, or bare addresses standing
// for themselves. A range holding every address is refused: the trusted
// header would be believed from anyone.
func (w webConfig) proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for i, s := range w.TrustedProxies {
		s = strings.TrimSpace(s)
		var p netip.Prefix
		if strings.Contains(s, "/") {
			pp, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("web.trusted_proxies[%d] %q: want a CIDR (10.0.0.0/8) or an IP address (127.0.0.1)", i, s)
			}
			p = pp.Masked()
		} else {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("web.trusted_proxies[%d] %q: want a CIDR (10.0.0.0/8) or an IP address (127.0.0.1)", i, s)
			}
			a = a.Unmap()
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if p.Bits() == 0 {
			return nil, fmt.Errorf("web.trusted_proxies[%d] %q trusts every address: anyone could sign in as anyone by sending the header; "+
				"name the SSO proxy's own address or network", i, s)
		}
		out = append(out, p)
	}
	return out, nil
}

// listen is the web app's address for "poller serve".
func (w webConfig) listen() string {
	if w.Listen == "" {
		return defaultWebListen
	}
	return w.Listen
}

// tls reports whether the app serves HTTPS itself.
func (w webConfig) tls() bool { return w.TLSCert != "" }

// location is the time zone of the timezone key (default: local time).
func (c *Config) location() (*time.Location, error) {
	if c.Timezone == "" {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return nil, fmt.Errorf("timezone %q: %w", c.Timezone, err)
	}
	return loc, nil
}

// webAppConfig is the web app's configuration drawn from the config file.
func (c *Config) webAppConfig() (web.Config, error) {
	proxies, err := c.Web.proxies()
	if err != nil {
		return web.Config{}, err
	}
	loc, err := c.location()
	if err != nil {
		return web.Config{}, err
	}
	users := make([]web.User, len(c.Users))
	for i, u := range c.Users {
		aliases := make([]string, len(u.Aliases))
		for j, a := range u.Aliases {
			aliases[j] = strings.ToLower(a)
		}
		users[i] = web.User{Email: strings.ToLower(u.Email), Name: u.Name, Aliases: aliases, Admin: u.Admin}
	}
	visibility := c.Web.Visibility
	if visibility == "" {
		visibility = web.VisibilityTeam
	}
	logAddress := ""
	if len(c.CRM.LogAddresses) > 0 {
		logAddress = c.CRM.LogAddresses[0]
	}
	rules, err := c.rules() // for "log it on a contact" and "re-run the rules"
	if err != nil {
		return web.Config{}, err
	}
	secure := c.Web.tls()
	if u, err := url.Parse(c.Web.BaseURL); err == nil && u.Scheme == "https" {
		secure = true // behind a proxy that terminates TLS
	}
	return web.Config{
		Users:          users,
		Visibility:     visibility,
		TrustedHeader:  c.Web.TrustedHeader,
		TrustedProxies: proxies,
		BaseURL:        strings.TrimSuffix(c.Web.BaseURL, "/"),
		Location:       loc,
		SecureCookies:  secure,
		LogAddress:     logAddress,
		Rules:          rules,
	}, nil
}
