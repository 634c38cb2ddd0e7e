package imapsource

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Step is one checked step of reaching a mailbox.
type Step struct {
	Name string
	Err  error
	// Note adds what the step found ("missing: poller creates it").
	Note string
}

// Check walks the way to the mailbox step by step, without changing
// anything: TCP connection, TLS, login, mailbox, folders. It stops at the
// first failing step; Describe gives a hint for its error.
func Check(ctx context.Context, cfg Config) []Step {
	var steps []Step
	fail := func(name string, err error) []Step { return append(steps, Step{Name: name, Err: err}) }
	if err := cfg.Validate(); err != nil {
		return fail("settings", err)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout())
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", cfg.Addr())
	if err != nil {
		return fail("connect to "+cfg.Addr(), err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	steps = append(steps, Step{Name: "connect to " + cfg.Addr()})
	tlsConfig, err := cfg.tlsConfig()
	if err != nil {
		return fail("TLS settings", err)
	}
	opts := &imapclient.Options{TLSConfig: tlsConfig}
	var c *imapclient.Client
	switch cfg.TLS {
	case TLSImplicit:
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fail("TLS handshake", err)
		}
		steps = append(steps, Step{Name: "TLS handshake", Note: tlsNote(tc, cfg)})
		c = imapclient.New(tc, opts)
	case TLSStartTLS:
		c, err = imapclient.NewStartTLS(conn, opts)
		if err != nil {
			conn.Close()
			return fail("STARTTLS", err)
		}
		steps = append(steps, Step{Name: "STARTTLS"})
	default:
		c = imapclient.New(conn, opts)
		steps = append(steps, Step{Name: "plain text (no TLS)", Note: "loopback or allow_insecure only"})
	}
	defer c.Close()
	if err := c.WaitGreeting(); err != nil {
		return fail("server greeting", err)
	}
	conn2 := &Conn{c: c, cfg: cfg}
	if err := conn2.login(ctx); err != nil {
		return fail("log in as "+cfg.Username+" ("+cfg.Auth+")", err)
	}
	steps = append(steps, Step{Name: "log in as " + cfg.Username + " (" + cfg.Auth + ")"})
	data, err := c.Select(cfg.mailbox(), &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return fail("select "+cfg.mailbox(), err)
	}
	unseen, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, nil).Wait()
	note := fmt.Sprintf("%d messages, UIDVALIDITY %d", data.NumMessages, data.UIDValidity)
	if err == nil {
		note += fmt.Sprintf(", %d unseen", len(unseen.AllUIDs()))
	}
	steps = append(steps, Step{Name: "select " + cfg.mailbox(), Note: note})
	for _, f := range []struct{ key, name string }{{"processed_folder", cfg.ProcessedFolder}, {"rejected_folder", cfg.RejectedFolder}} {
		if f.name == "" {
			continue
		}
		list, err := c.List("", f.name, nil).Collect()
		switch {
		case err != nil:
			return fail(f.key+" "+f.name, err)
		case len(list) == 0:
			steps = append(steps, Step{Name: f.key + " " + f.name, Note: "missing: poller creates it on the first pass"})
		default:
			steps = append(steps, Step{Name: f.key + " " + f.name, Note: "exists"})
		}
	}
	c.Logout().Wait()
	return steps
}

func tlsNote(tc *tls.Conn, cfg Config) string {
	st := tc.ConnectionState()
	if cfg.TLSSkipVerify {
		return "certificate NOT verified (tls_skip_verify)"
	}
	if len(st.PeerCertificates) > 0 {
		return "certificate valid for " + cfg.Host + ", issued by " + st.PeerCertificates[0].Issuer.CommonName
	}
	return tls.VersionName(st.Version)
}

// Hint suggests a fix for a failed step's error, or "".
func Hint(err error) string {
	var certErr *tls.CertificateVerificationError
	msg := err.Error()
	var refusal *RefusedError
	switch {
	case errors.As(err, &refusal):
		return refusal.hint()
	case errors.Is(err, ErrAuth):
		return "check username and password (or the OAuth token); some providers need an app password"
	case strings.Contains(msg, "certificate is valid for"), strings.Contains(msg, "certificate is not valid for"):
		return "the certificate does not name this host: set host to a name in the certificate"
	case errors.As(err, &certErr), strings.Contains(msg, "certificate signed by unknown authority"):
		return "a self-signed or private CA: set ca_file to its certificate (PEM), or tls_skip_verify: true"
	case strings.Contains(msg, "connection refused"):
		return "nothing listens there: check host and port (993 for implicit TLS, 143 for STARTTLS)"
	case strings.Contains(msg, "no such host"):
		return "the host name does not resolve: check host"
	case strings.Contains(msg, "first record does not look like a TLS handshake"), strings.Contains(msg, "tls: "):
		return "TLS mode mismatch? port 993 wants tls: implicit, port 143 tls: starttls"
	case errors.Is(err, context.DeadlineExceeded), strings.Contains(msg, "i/o timeout"):
		return "no answer in time: a firewall, or the wrong port"
	}
	return ""
}
