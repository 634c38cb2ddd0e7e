package crm

import "strings"

// AuthservID is the authserv-id of an Authentication-Results field value
// (RFC 8601 section 2.2: the first token, before the first ";", comments
// removed), lower-cased; "" when there is none. The topmost field of a
// message is the one its receiving server added: its id is what
// AuthCheck.TrustedAuthservID should name.
func AuthservID(value string) string {
	head, _, _ := strings.Cut(stripComments(value), ";")
	fields := strings.Fields(head)
	if len(fields) == 0 {
		return ""
	}
	return strings.ToLower(fields[0])
}
