package imapsource

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"syscall"

	"github.com/emersion/go-imap/v2"
)

// codeExpungeIssued is RFC 9051's EXPUNGEISSUED (section 7.1): some of
// the messages a command named were expunged by another client. go-imap
// v2 has no constant for it.
const codeExpungeIssued imap.ResponseCode = "EXPUNGEISSUED"

// RefusedError is the server's tagged NO or BAD to one command: the
// connection works, so reconnecting would not help. Code says what the
// refusal means (RFC 9051 section 7.1; RFC 5530).
type RefusedError struct {
	Op   string // what was asked: "move to Rejected", "store \\Seen"
	Type imap.StatusResponseType
	Code imap.ResponseCode
	Text string
}

func (e *RefusedError) Error() string {
	s := fmt.Sprintf("%s: refused by the server: %s", e.Op, e.Type)
	if e.Code != "" {
		s += " [" + string(e.Code) + "]"
	}
	if e.Text != "" {
		s += " " + e.Text
	}
	return s
}

// Refused reports that the connection is still usable: ingest reconnects
// only for errors without it.
func (e *RefusedError) Refused() bool { return true }

// Gone reports a refusal about messages that are no longer there: another
// client moved or expunged them first.
func (e *RefusedError) Gone() bool { return e.Code == codeExpungeIssued }

// NoFolder reports a refusal because the destination folder is missing.
func (e *RefusedError) NoFolder() bool {
	return e.Code == imap.ResponseCodeTryCreate || e.Code == imap.ResponseCodeNonExistent
}

// Exists reports a CREATE refused because the folder already exists.
func (e *RefusedError) Exists() bool { return e.Code == imap.ResponseCodeAlreadyExists }

// refused wraps err from the command op: a tagged NO or BAD becomes a
// *RefusedError, anything else (a cut, a timeout) stays a connection
// error wrapped with op.
func refused(op string, err error) error {
	if err == nil {
		return nil
	}
	var ie *imap.Error
	if errors.As(err, &ie) && (ie.Type == imap.StatusResponseTypeNo || ie.Type == imap.StatusResponseTypeBad) {
		return &RefusedError{Op: op, Type: ie.Type, Code: ie.Code, Text: ie.Text}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// IsRefused reports whether err is the server refusing a command, and not
// the connection failing.
func IsRefused(err error) bool {
	var r *RefusedError
	return errors.As(err, &r)
}

// isGone reports a refusal meaning the messages were already moved or
// expunged by someone else.
func isGone(err error) bool {
	var r *RefusedError
	return errors.As(err, &r) && r.Gone()
}

func isNoFolder(err error) bool {
	var r *RefusedError
	return errors.As(err, &r) && r.NoFolder()
}

// Error kinds a caller branches on (errors.Is), set where the error is
// made: the step that failed knows what its failure means.
var (
	// ErrAuth is a refused login: retrying will not help.
	ErrAuth = errors.New("login refused")
	// ErrConnRefused: nothing listens at host:port.
	ErrConnRefused = errors.New("connection refused")
	// ErrNoHost: the host name does not resolve.
	ErrNoHost = errors.New("no such host")
	// ErrTimeout: the server did not answer in time.
	ErrTimeout = errors.New("no answer in time")
	// ErrCertName: the certificate does not name the host.
	ErrCertName = errors.New("certificate for another host")
	// ErrCertUntrusted: the certificate does not verify (a self-signed or
	// private CA).
	ErrCertUntrusted = errors.New("certificate not trusted")
	// ErrTLSMismatch: the other side does not speak TLS as configured
	// (implicit TLS to a plain port, or the reverse).
	ErrTLSMismatch = errors.New("TLS mode mismatch")
	// ErrStartTLSUnsupported: the server refused STARTTLS.
	ErrStartTLSUnsupported = errors.New("STARTTLS not supported")
	// ErrNoMailbox: the mailbox to read does not exist.
	ErrNoMailbox = errors.New("no such mailbox")

	// Kinds of a *RefusedError, from its response code.
	ErrOverQuota    = errors.New("over quota")             // OVERQUOTA
	ErrServerFailed = errors.New("server failure")         // SERVERBUG, UNAVAILABLE
	ErrNoPerm       = errors.New("permission denied")      // NOPERM
	ErrBusy         = errors.New("server busy or limited") // LIMIT, INUSE
)

// Is reports the kind of the refusal's code (ErrOverQuota, ErrServerFailed,
// ErrNoPerm, ErrBusy).
func (e *RefusedError) Is(target error) bool {
	switch e.Code {
	case imap.ResponseCodeOverQuota:
		return target == ErrOverQuota
	case imap.ResponseCodeServerBug, imap.ResponseCodeUnavailable:
		return target == ErrServerFailed
	case imap.ResponseCodeNoPerm:
		return target == ErrNoPerm
	case imap.ResponseCodeLimit, imap.ResponseCodeInUse:
		return target == ErrBusy
	}
	return false
}

// kindError gives err a kind without changing its message: errors.Is and
// errors.As find both the kind and what err wraps.
type kindError struct{ kind, err error }

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.kind, e.err} }

// withKind gives err the kind (nil kind: err as it is).
func withKind(kind, err error) error {
	if err == nil || kind == nil {
		return err
	}
	return &kindError{kind: kind, err: err}
}

// timedOut reports err as a timeout: ctx's deadline passed, or the network
// says so.
func timedOut(ctx context.Context, err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) ||
		errors.As(err, &ne) && ne.Timeout()
}

// dialKind classifies an error of the TCP connection.
func dialKind(ctx context.Context, err error) error {
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns) && dns.IsNotFound:
		return ErrNoHost
	case errors.Is(err, syscall.ECONNREFUSED):
		return ErrConnRefused
	case timedOut(ctx, err):
		return ErrTimeout
	}
	return nil
}

// tlsKind classifies an error of the TLS handshake (implicit or STARTTLS).
func tlsKind(ctx context.Context, err error) error {
	var host x509.HostnameError
	var unknown x509.UnknownAuthorityError
	var verify *tls.CertificateVerificationError
	var record tls.RecordHeaderError
	var alert tls.AlertError
	var ie *imap.Error
	switch {
	case errors.As(err, &host):
		return ErrCertName
	case errors.As(err, &verify), errors.As(err, &unknown):
		return ErrCertUntrusted
	case errors.As(err, &ie):
		return ErrStartTLSUnsupported // the tagged NO or BAD to STARTTLS
	case timedOut(ctx, err):
		return ErrTimeout
	case errors.As(err, &record), errors.As(err, &alert):
		return ErrTLSMismatch
	}
	return nil
}

// Hint suggests a fix for a failed step's error, or "".
func Hint(err error) string {
	switch {
	case errors.Is(err, ErrNoMailbox):
		return "the mailbox does not exist: check mailbox (names are case-sensitive; some servers want a prefix, such as INBOX.Name)"
	case errors.Is(err, ErrOverQuota):
		return "the mailbox is over its quota: free space on the server (the processed and rejected folders count); the next pass carries on"
	case errors.Is(err, ErrServerFailed):
		return "the server failed: see its log; the next pass tries again"
	case errors.Is(err, ErrNoPerm):
		return "the account may not do this: check its rights on the folder"
	case errors.Is(err, ErrBusy):
		return "the server is busy or limits this account: the next pass tries again"
	case IsRefused(err):
		return "" // the code says nothing more than the text
	case errors.Is(err, ErrAuth):
		return "check username and password (or the OAuth token); some providers need an app password"
	case errors.Is(err, ErrCertName):
		return "the certificate does not name this host: set host to a name in the certificate"
	case errors.Is(err, ErrCertUntrusted):
		return "a self-signed or private CA: set ca_file to its certificate (PEM), or tls_skip_verify: true"
	case errors.Is(err, ErrConnRefused):
		return "nothing listens there: check host and port (993 for implicit TLS, 143 for STARTTLS)"
	case errors.Is(err, ErrNoHost):
		return "the host name does not resolve: check host"
	case errors.Is(err, ErrStartTLSUnsupported):
		return "the server does not offer STARTTLS: use tls: implicit (port 993)"
	case errors.Is(err, ErrTLSMismatch):
		return "TLS mode mismatch? port 993 wants tls: implicit, port 143 tls: starttls"
	case errors.Is(err, ErrTimeout), timedOut(context.Background(), err):
		return "no answer in time: a firewall, or the wrong port"
	}
	return ""
}
