// Package smtpsend sends one message over SMTP submission with
// github.com/emersion/go-smtp's client: implicit TLS (RFC 8314), STARTTLS
// (RFC 3207) or, to a loopback host only, plaintext; AUTH PLAIN (RFC 4954,
// RFC 4616) when a username is set, never in plaintext off the machine.
//
// Errors say what the caller should do (Temporary): retry later, or record
// the failure and give up on the message.
//
// Subpackage smtptest runs go-smtp's server on loopback for tests.
package smtpsend
