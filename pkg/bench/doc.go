// Package bench measures how fast poller takes mail off an IMAP server
// compared with a bare IMAP client doing the least the job needs.
//
// It has three parts, used by "poller bench" (cmd/poller/bench.go) and
// reusable from Go benchmarks:
//
//   - a generator of realistic, distinct, deterministic mail that the
//     standard rules (config.example.yaml's, see pkg/crm/crmtest) log:
//     BCC'd mail (a team user writes to external prospects, the log address
//     in Bcc) and forwards (a user forwards a prospect's email, Gmail or
//     Outlook style), in two sets: Small (about 3.4 KB each, plain and HTML
//     parts, a few small attachments) and Large (about 1.5 MB each, one
//     base64 PDF-like attachment);
//   - the bare contenders: go-imap's client reading every unseen message
//     (UID SEARCH UNSEEN, UID FETCH BODY.PEEK[] in batches), optionally
//     parsing every part with go-message, optionally marking each batch
//     \Seen (UID STORE);
//   - small statistics helpers (median and range of repeated runs).
package bench
