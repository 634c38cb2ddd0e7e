// Package crm holds the product rules of poller (SPEC.md): given the team's
// Rules (log addresses, users and their aliases, team inboxes, internal
// domains, the never-log list, size limit and spoofing check) and a parsed
// message, Decide says whether the message is logged as an outgoing (bcc) or
// incoming (forward) email, on which contacts and credited to which user, or
// why it is rejected.
//
// It is pure: no I/O, no clock. Rejections are values (a Decision with a
// Reason), not errors.
package crm
