// Package notice decides whether a message poller did not log (or logged
// with an attachment dropped) earns a notice to the salesperson who sent or
// forwarded it, and composes that notice as an RFC 5322 message: a reply to
// the original (RFC 5322 §3.6.4 In-Reply-To and References) marked as an
// automatic response (RFC 3834 Auto-Submitted: auto-replied).
//
// It is pure: no I/O and no clock (the caller passes the time). Sending is
// pkg/smtpsend's job; recording notices exactly once is the store's.
//
// The rules that keep notices safe, all in For:
//   - only to internal addresses: a user's address or alias (a team inbox's
//     mail goes to the user who connected it), or, for sender_not_user, an
//     address in an internal domain; never a log address or a role address;
//   - never for automatic mail (RFC 3834 §2: Auto-Submitted, Precedence,
//     List-* fields, a null Return-Path, delivery reports, autoreply markers);
//   - never in a loop: not for mail from Config.From, nor for mail that
//     replies to or carries one of our notices (their Message-IDs begin with
//     "poller-notice.").
package notice
