// Package email turns a raw RFC 5322 / MIME message into a Message: decoded
// headers (RFC 2047 encoded words in any common charset), parsed address
// lists, the text and HTML bodies, attachments with their names, sizes and
// SHA-256, and attached message/rfc822 parts parsed in turn.
//
// Parsing is forgiving: an unknown charset or transfer encoding, invalid
// base64 or quoted-printable, a missing or reused boundary, a truncated
// part, nesting or part counts over Limits are soft problems, recorded in
// Message.Problems, and the part is decoded as far as it can be. Only a
// message whose header section cannot be read at all is an error
// (ErrMalformed). Parsing reads its input once, in time linear in its size,
// and holds at most the kept text bodies (Limits.MaxBodyBytes each), the
// header sections and small buffers: attachments stream through SHA-256.
// Attachment names are sanitised (SanitizeFilename).
//
// The package is pure: an io.Reader in, a value out.
package email
