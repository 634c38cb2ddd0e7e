package smtpsend

import (
	"errors"
	"strings"

	"github.com/emersion/go-smtp"
)

// Error is a failed Send: the step that failed, the server, and why. Its
// text never holds the password.
type Error struct {
	Op   string // one of the Op constants
	Addr string // host:port
	Err  error

	secrets []string
}

func (e *Error) Error() string {
	s := "smtp " + e.Op + " " + e.Addr + ": " + e.Err.Error()
	for _, secret := range e.secrets {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Code is the server's reply code for the failure, 0 when there was none
// (a network or TLS failure, a refused configuration).
func Code(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

// Temporary reports whether sending the same message again later may
// succeed, so that the caller retries it with backoff. It is false only
// when the server refused this message for good (a 5xx reply to MAIL, RCPT
// or DATA) or when the configuration or envelope is invalid. Everything
// else is temporary: 4xx replies, a refused or lost connection, timeouts,
// TLS failures, and a refused login or greeting (the server's or the
// account's trouble, which an operator can fix, not the message's).
func Temporary(err error) bool {
	if err == nil {
		return false
	}
	var inv *invalidError
	if errors.As(err, &inv) {
		return false
	}
	code := Code(err)
	if code/100 != 5 {
		return true
	}
	var e *Error
	if errors.As(err, &e) && (e.Op == OpMail || e.Op == OpRcpt || e.Op == OpData) {
		return false
	}
	return true
}
