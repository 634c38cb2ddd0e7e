// Package email turns a raw RFC 5322 / MIME message into a Message: decoded
// headers (RFC 2047 encoded words in any common charset), parsed address
// lists, the text and HTML bodies, attachments with their names, sizes and
// SHA-256, and attached message/rfc822 parts parsed in turn.
//
// Parsing is forgiving in the way go-message is: an unknown charset or
// transfer encoding is a soft problem, recorded in Message.Problems, and the
// part is decoded as far as it can be. Only a message whose header section
// cannot be read at all is an error (ErrMalformed).
//
// The package is pure: an io.Reader in, a value out.
package email
