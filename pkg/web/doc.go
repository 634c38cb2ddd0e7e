// Package web is the CRM's web app: the team signs in and sees, searches
// and opens what poller logged. Pages are server-rendered with
// html/template from embedded templates and work without JavaScript. It
// reads through the Store interface and never sees SQL.
//
// # Routes
//
//	GET  /login, POST /login          sign-in form (fields email, password, next)
//	POST /logout                      sign out
//	GET  /                            my latest logged emails; my messages not logged, with reason and fix
//	GET  /contacts                    ?q= filter, ?sort= name|address|company|last_email|created, ?page=
//	GET  /contacts/{address}          company, owner, open deals, timeline by thread
//	GET  /companies, /companies/{domain}
//	GET  /deals, /deals/{id}          ?q=, ?status= open|won|lost, ?page=
//	GET  /emails/{id}                 one email; ?remote=1 shows remote images
//	GET  /emails/{id}/html            the sanitised HTML body, for the sandboxed iframe
//	GET  /emails/{id}/raw             the stored message, byte for byte (message/rfc822)
//	GET  /emails/{id}/attachments/{aid}
//	GET  /search?q=WORDS              ranked hits with highlighted snippets
//	GET  /intake                      admins: passes and intake rows (?outcome, reason, mailbox, user, since, until)
//	GET  /intake/{id}, /intake/{id}/raw
//	POST /intake/{id}/log             log a rejected item on a contact (fields address, name), credited to me
//	POST /intake/{id}/rerun           decide it again with the config's rules (Config.Rules)
//	POST /intake/{id}/dismiss         take it off my list of messages not logged
//	POST /intake/{id}/undo            undo its latest change (field change); each action answers 303 to /intake/{id}
//	GET  /static/{file}               embedded CSS, JS and icon, cached for a year
//
// Every route but /login and /static needs a signed-in user; anyone else
// is redirected (303) to /login?next=PATH. Unknown paths, malformed ids and
// records the viewer may not see are all the same 404 page.
//
// # Security
//
// Sessions are 32 random bytes, sent as a base64url cookie (HttpOnly,
// SameSite=Lax, Secure and named __Host-poller_session when
// Config.SecureCookies) and stored only as their SHA-256; they end after
// Config.SessionIdle unused and Config.SessionMax after sign-in.
// Passwords are argon2id (package password). Sign-in attempts are
// rate-limited per submitted address and per client address, and fail
// with the same message, in the same time, whether or not the address is a
// user's. State-changing requests pass http.CrossOriginProtection; GET
// handlers change nothing. Config.TrustedHeader signs in the user an SSO
// proxy names, only on connections from Config.TrustedProxies.
//
// App pages carry a strict Content-Security-Policy (AppCSP) with no inline
// script or style. An email's HTML body is sanitised (package mailhtml),
// served from its own URL under a CSP with the sandbox directive, and shown
// in <iframe sandbox="allow-popups allow-popups-to-escape-sandbox">;
// remote images load only when the user asks. Downloads are attachments
// with a safe file name, nosniff, and active content types (HTML, SVG,
// XML, script) served as application/octet-stream.
//
// Every store call takes a view.Viewer built from the signed-in user, and
// the store enforces what they may see (Config.Visibility).
package web
