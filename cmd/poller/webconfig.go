package main

import (
	"fmt"
	"net/url"
	"strings"
	"time"

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
func (c *config) location() (*time.Location, error) {
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
func (c *config) webAppConfig() (web.Config, error) {
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
