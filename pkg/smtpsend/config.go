package smtpsend

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// The values of Config.TLS.
const (
	TLSImplicit = "implicit" // TLS from the first byte (port 465)
	TLSStartTLS = "starttls" // plaintext, then STARTTLS before anything else (port 587)
	TLSNone     = "none"     // plaintext throughout: loopback only (port 25)
)

// DefaultTimeout bounds the dial and each command when Config.Timeout is 0.
const DefaultTimeout = 30 * time.Second

// defaultPorts are the ports for each TLS mode when Config.Port is 0.
var defaultPorts = map[string]int{TLSImplicit: 465, TLSStartTLS: 587, TLSNone: 25}

// invalidError is a problem in the configuration or the envelope: sending
// again cannot help.
type invalidError struct{ msg string }

func (e *invalidError) Error() string { return e.msg }

func invalid(format string, args ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, args...)}
}

// Config says how to reach the submission server.
type Config struct {
	Host string
	// Port is the server's port; 0 means 465, 587 or 25 by TLS.
	Port int
	// TLS is TLSImplicit, TLSStartTLS or TLSNone; "" means TLSStartTLS.
	TLS string
	// Username and Password are for AUTH PLAIN, used when Username is set.
	Username, Password string
	// Timeout bounds the dial and each command; 0 means DefaultTimeout.
	Timeout time.Duration
	// TLSConfig, when set, is used for TLS (tests trust a test CA with
	// it); its ServerName defaults to Host.
	TLSConfig *tls.Config
	// AllowInsecure permits TLSNone to a host that is not loopback. AUTH
	// is still never sent in plaintext off the machine.
	AllowInsecure bool
	// LocalName is the name said in EHLO; "" means "localhost".
	LocalName string
}

// Validate reports the problems in c, each naming its field.
func (c Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, invalid("smtp.%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if c.Host == "" || strings.ContainsAny(c.Host, " /\r\n") {
		bad("host", "%q is not a host name", c.Host)
	}
	if c.Port < 0 || c.Port > 65535 {
		bad("port", "%d is out of range", c.Port)
	}
	mode := c.mode()
	if _, ok := defaultPorts[mode]; !ok {
		bad("tls", "%q is not implicit, starttls or none", c.TLS)
	}
	if mode == TLSNone && !isLoopback(c.Host) {
		if c.Username != "" {
			bad("tls", "none would send the password in plaintext to %s; use implicit or starttls", c.Host)
		} else if !c.AllowInsecure {
			bad("tls", "none is allowed only to a loopback host, not %s", c.Host)
		}
	}
	if c.Password != "" && c.Username == "" {
		bad("username", "required with a password")
	}
	if c.Timeout < 0 {
		bad("timeout", "must not be negative")
	}
	if strings.ContainsAny(c.LocalName, " \r\n") {
		bad("local_name", "%q is not a host name", c.LocalName)
	}
	return errors.Join(errs...)
}

func (c Config) mode() string {
	if c.TLS == "" {
		return TLSStartTLS
	}
	return strings.ToLower(c.TLS)
}

func (c Config) addr() string {
	port := c.Port
	if port == 0 {
		port = defaultPorts[c.mode()]
	}
	return net.JoinHostPort(strings.Trim(c.Host, "[]"), fmt.Sprint(port))
}

func (c Config) timeout() time.Duration {
	if c.Timeout <= 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

// tlsConfig is the client TLS configuration: the caller's, or the
// system's roots, naming Host.
func (c Config) tlsConfig() *tls.Config {
	t := &tls.Config{}
	if c.TLSConfig != nil {
		t = c.TLSConfig.Clone()
	}
	if t.ServerName == "" {
		t.ServerName = strings.Trim(c.Host, "[]")
	}
	if t.MinVersion == 0 {
		t.MinVersion = tls.VersionTLS12
	}
	return t
}

// isLoopback reports whether host names this machine without a lookup:
// localhost (RFC 6761) or a loopback IP.
func isLoopback(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
