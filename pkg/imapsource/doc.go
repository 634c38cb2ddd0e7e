// Package imapsource is poller's IMAP adapter, on go-imap v2 (imapclient):
// it connects (implicit TLS, STARTTLS, or plain on loopback), logs in (LOGIN,
// AUTHENTICATE PLAIN or XOAUTH2), selects the mailbox and then lists the
// unseen messages, fetches them without marking them (BODY.PEEK[]) and
// acknowledges them once their outcome is committed: \Seen, and moved to a
// processed or rejected folder when one is configured (UID MOVE, or COPY,
// \Deleted and UID EXPUNGE where MOVE is missing).
//
// go-imap takes no context: every call closes the connection when its
// context ends (context.AfterFunc), which unblocks whatever was waiting.
package imapsource
