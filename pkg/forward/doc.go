// Package forward recognises forwarded content in the text body of an email
// and extracts the original message: its header block (From, To, Cc, Date,
// Subject), its body, and the forwarder's note above the block.
//
// It is pure: strings in, values out, no I/O.
//
// # What is recognised
//
// Inline forwarded blocks of the common clients in the common locales:
// Gmail ("---------- Forwarded message ---------"), Outlook desktop and new
// Outlook (From:/Sent:/To:/Cc:/Subject: blocks after a line of underscores,
// after "-----Original Message-----", or with no separator at all), Outlook
// on the web, Apple Mail and iOS ("Begin forwarded message:", headers quoted
// with "> "), Thunderbird ("-------- Forwarded Message --------", tab
// after the labels), Yahoo (the whole header block on the separator's
// line), HubSpot, IONOS, MailMate, Missive, Proton, Zoho and the like, and
// Outlook 2019's forwards introduced by an "On ... wrote:" line.
//
// Labels are looked up per line in tables of localized labels (labels.go),
// never with one regular expression per client and language, so parsing is
// linear in the size of the body.
//
// # Forward or reply
//
// The body is always read; the subject never decides alone. An explicit
// forward separator ("Forwarded message", "Begin forwarded message:") makes
// a forward whatever the subject. Weaker signals need the subject's
// agreement:
//
//   - "-----Original Message-----" or a line of underscores followed by a
//     header block: a forward unless the subject starts with a reply prefix
//     (Outlook writes the same block above quoted replies);
//   - a bare header block (From: and two of Date/Sent, To, Cc, Subject) or
//     an attribution line ("On <date>, <name> wrote:"): a forward only when
//     the subject starts with a forward prefix (see StripSubjectPrefix).
//
// A reply (an attribution line or an Outlook reply header block, with a
// subject that does not announce a forward) ends the search: the quoted
// history of a reply is not read for forwards.
//
// # Nested forwards
//
// Parse returns the outermost (most recent) forwarded message. Its Body
// keeps the inner forwarded blocks verbatim; call Parse on Original.Body
// (with Original.Subject) to descend.
package forward
