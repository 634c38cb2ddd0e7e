// Package outbox sends the notices the store has queued (pkg/notice
// composes them, pkg/smtpsend sends them) exactly once as far as SMTP
// allows, and never loses one.
//
// A notice is queued in the same transaction as the intake row that earned
// it, so a crash either keeps both or neither. Send then, for each due
// notice in turn:
//
//  1. claims it in a committed transaction: status "sending", one more
//     attempt, and a lease (until) after which another sender may take it;
//  2. checks the per-user rate limit, and when the hour is full puts the
//     notice back with the time the hour allows (the attempt is given
//     back: nothing is dropped);
//  3. sends it over SMTP, bounded by SendTimeout (less than the lease);
//  4. marks it sent in a committed transaction as soon as the server has
//     accepted the data (its 250 reply to the end of DATA, RFC 5321
//     §4.1.1.4), before QUIT.
//
// A temporary failure (smtpsend.Temporary) queues it again with
// exponential backoff (1 min, 2 min, 4 min, ... at most 1 h) until
// MaxAge or MaxAttempts, when it is marked failed; a permanent one (a 5xx
// to MAIL, RCPT or DATA) marks it failed at once with the reason.
//
// The one window: a sender killed after the server's 250 and before the
// commit of step 4 leaves the notice "sending"; when its lease ends it is
// sent again, and the recipient gets it twice (with the same Message-ID,
// which many mail stores fold into one). The window is a single SQLite
// commit long. Killed anywhere else, a notice is sent exactly once: before
// the 250 the server has not taken it (RFC 5321 §4.1.1.4: no 250, no
// responsibility), after the commit it is never sent again.
package outbox
