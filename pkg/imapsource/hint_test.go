package imapsource

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/emersion/go-imap/v2"
)

// The hints, worded as "poller check" has always printed them.
const (
	hintAuth       = "check username and password (or the OAuth token); some providers need an app password"
	hintCertName   = "the certificate does not name this host: set host to a name in the certificate"
	hintCertCA     = "a self-signed or private CA: set ca_file to its certificate (PEM), or tls_skip_verify: true"
	hintRefused    = "nothing listens there: check host and port (993 for implicit TLS, 143 for STARTTLS)"
	hintNoHost     = "the host name does not resolve: check host"
	hintMismatch   = "TLS mode mismatch? port 993 wants tls: implicit, port 143 tls: starttls"
	hintTimeout    = "no answer in time: a firewall, or the wrong port"
	hintQuota      = "the mailbox is over its quota: free space on the server (the processed and rejected folders count); the next pass carries on"
	hintServerBug  = "the server failed: see its log; the next pass tries again"
	hintNoPerm     = "the account may not do this: check its rights on the folder"
	hintBusy       = "the server is busy or limits this account: the next pass tries again"
	hintNoMailbox  = "the mailbox does not exist: check mailbox (names are case-sensitive; some servers want a prefix, such as INBOX.Name)"
	hintNoStartTLS = "the server does not offer STARTTLS: use tls: implicit (port 993)"
)

// timeoutErr is a network error that says it timed out.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// Each kind of failure is classified where it is made (dialKind, tlsKind,
// login, selectMailbox, RefusedError's code) from the error the library
// returns, and Hint gives the same advice for it as ever, also wrapped the
// way Dial wraps it.
func TestHintForEachKind(t *testing.T) {
	ctx := context.Background()
	expired, cancel := context.WithTimeout(ctx, 0)
	defer cancel()
	<-expired.Done()
	dialOp := func(err error) error { return &net.OpError{Op: "dial", Net: "tcp", Err: err} }
	refusal := func(code imap.ResponseCode) error {
		return &RefusedError{Op: "move to Rejected", Type: imap.StatusResponseTypeNo, Code: code, Text: "no"}
	}
	cert := &x509.Certificate{DNSNames: []string{"mail.example.com"}}
	for _, tc := range []struct {
		name string
		err  error
		kind error
		hint string
	}{
		{"login refused", fmt.Errorf("%w for %s: %s", ErrAuth, "u", "bad"), ErrAuth, hintAuth},
		{"connection refused", withKind(dialKind(ctx, dialOp(os.NewSyscallError("connect", syscall.ECONNREFUSED))), dialOp(os.NewSyscallError("connect", syscall.ECONNREFUSED))), ErrConnRefused, hintRefused},
		{"no such host", withKind(dialKind(ctx, dialOp(&net.DNSError{Err: "no such host", Name: "nope.example", IsNotFound: true})), errors.New("x")), ErrNoHost, hintNoHost},
		{"dial timeout", withKind(dialKind(ctx, dialOp(timeoutErr{})), errors.New("x")), ErrTimeout, hintTimeout},
		{"dial past the deadline", withKind(dialKind(expired, dialOp(errors.New("operation was canceled"))), errors.New("x")), ErrTimeout, hintTimeout},
		{"certificate for another host", withKind(tlsKind(ctx, &tls.CertificateVerificationError{Err: x509.HostnameError{Certificate: cert, Host: "imap.example.com"}}), errors.New("x")), ErrCertName, hintCertName},
		{"self-signed certificate", withKind(tlsKind(ctx, &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{Cert: cert}}), errors.New("x")), ErrCertUntrusted, hintCertCA},
		{"expired certificate", withKind(tlsKind(ctx, &tls.CertificateVerificationError{Err: x509.CertificateInvalidError{Cert: cert, Reason: x509.Expired}}), errors.New("x")), ErrCertUntrusted, hintCertCA},
		{"plain text answer to TLS", withKind(tlsKind(ctx, tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}), errors.New("x")), ErrTLSMismatch, hintMismatch},
		{"TLS alert", withKind(tlsKind(ctx, &net.OpError{Op: "remote error", Err: tls.AlertError(40)}), errors.New("x")), ErrTLSMismatch, hintMismatch},
		{"handshake past the deadline", withKind(tlsKind(ctx, context.DeadlineExceeded), errors.New("x")), ErrTimeout, hintTimeout},
		{"STARTTLS refused", withKind(tlsKind(ctx, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "STARTTLS not supported"}), errors.New("x")), ErrStartTLSUnsupported, hintNoStartTLS},
		{"mailbox missing", withKind(ErrNoMailbox, refusal(imap.ResponseCodeNonExistent)), ErrNoMailbox, hintNoMailbox},
		{"OVERQUOTA", refusal(imap.ResponseCodeOverQuota), ErrOverQuota, hintQuota},
		{"SERVERBUG", refusal(imap.ResponseCodeServerBug), ErrServerFailed, hintServerBug},
		{"UNAVAILABLE", refusal(imap.ResponseCodeUnavailable), ErrServerFailed, hintServerBug},
		{"NOPERM", refusal(imap.ResponseCodeNoPerm), ErrNoPerm, hintNoPerm},
		{"LIMIT", refusal(imap.ResponseCodeLimit), ErrBusy, hintBusy},
		{"INUSE", refusal(imap.ResponseCodeInUse), ErrBusy, hintBusy},
		{"a refusal whose code says nothing more", refusal(imap.ResponseCodeTryCreate), nil, ""},
		{"a pass cut by its deadline", fmt.Errorf("%w (%v)", context.DeadlineExceeded, errors.New("closed")), nil, hintTimeout},
		{"something else", errors.New("EOF"), nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.kind != nil && !errors.Is(tc.err, tc.kind) {
				t.Fatalf("errors.Is(%v, %v) = false", tc.err, tc.kind)
			}
			wrapped := fmt.Errorf("mailbox main: connect to imap.example.com:993: TLS: %w", tc.err)
			for _, err := range []error{tc.err, wrapped} {
				if got := Hint(err); got != tc.hint {
					t.Errorf("Hint(%v) = %q, want %q", err, got, tc.hint)
				}
			}
		})
	}
}

// A kind changes neither the message nor what the error wraps.
func TestWithKindKeepsTheError(t *testing.T) {
	inner := &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}
	err := withKind(ErrCertUntrusted, inner)
	var got *tls.CertificateVerificationError
	if err.Error() != inner.Error() || !errors.As(err, &got) || got != inner {
		t.Errorf("withKind = %q, As %v; want the message and the chain of %q", err, got, inner)
	}
	if withKind(nil, inner) != error(inner) || withKind(ErrAuth, nil) != nil {
		t.Error("withKind with a nil kind or error changed it")
	}
}
