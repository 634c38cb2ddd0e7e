package imapsource

import (
	"errors"
	"fmt"

	"github.com/emersion/go-imap/v2"
)

// codeExpungeIssued is RFC 9051's EXPUNGEISSUED (section 7.1): some of
// the messages a command named were expunged by another client. go-imap
// v2 has no constant for it.
const codeExpungeIssued imap.ResponseCode = "EXPUNGEISSUED"

// RefusedError is the server's tagged NO or BAD to one command: the
// connection works, so reconnecting would not help. Code says what the
// refusal means (RFC 9051 section 7.1; RFC 5530).
type RefusedError struct {
	Op   string // what was asked: "move to Rejected", "store \\Seen"
	Type imap.StatusResponseType
	Code imap.ResponseCode
	Text string
}

func (e *RefusedError) Error() string {
	s := fmt.Sprintf("%s: refused by the server: %s", e.Op, e.Type)
	if e.Code != "" {
		s += " [" + string(e.Code) + "]"
	}
	if e.Text != "" {
		s += " " + e.Text
	}
	return s
}

// Refused reports that the connection is still usable: ingest reconnects
// only for errors without it.
func (e *RefusedError) Refused() bool { return true }

// Gone reports a refusal about messages that are no longer there: another
// client moved or expunged them first.
func (e *RefusedError) Gone() bool { return e.Code == codeExpungeIssued }

// NoFolder reports a refusal because the destination folder is missing.
func (e *RefusedError) NoFolder() bool {
	return e.Code == imap.ResponseCodeTryCreate || e.Code == imap.ResponseCodeNonExistent
}

// Exists reports a CREATE refused because the folder already exists.
func (e *RefusedError) Exists() bool { return e.Code == imap.ResponseCodeAlreadyExists }

// hint says what to do about a refusal that stops a pass ("" when the
// code says nothing more than the text).
func (e *RefusedError) hint() string {
	switch e.Code {
	case imap.ResponseCodeOverQuota:
		return "the mailbox is over its quota: free space on the server (the processed and rejected folders count); the next pass carries on"
	case imap.ResponseCodeServerBug, imap.ResponseCodeUnavailable:
		return "the server failed: see its log; the next pass tries again"
	case imap.ResponseCodeNoPerm:
		return "the account may not do this: check its rights on the folder"
	case imap.ResponseCodeLimit, imap.ResponseCodeInUse:
		return "the server is busy or limits this account: the next pass tries again"
	}
	return ""
}

// refused wraps err from the command op: a tagged NO or BAD becomes a
// *RefusedError, anything else (a cut, a timeout) stays a connection
// error wrapped with op.
func refused(op string, err error) error {
	if err == nil {
		return nil
	}
	var ie *imap.Error
	if errors.As(err, &ie) && (ie.Type == imap.StatusResponseTypeNo || ie.Type == imap.StatusResponseTypeBad) {
		return &RefusedError{Op: op, Type: ie.Type, Code: ie.Code, Text: ie.Text}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// IsRefused reports whether err is the server refusing a command, and not
// the connection failing.
func IsRefused(err error) bool {
	var r *RefusedError
	return errors.As(err, &r)
}

// isGone reports a refusal meaning the messages were already moved or
// expunged by someone else.
func isGone(err error) bool {
	var r *RefusedError
	return errors.As(err, &r) && r.Gone()
}

func isNoFolder(err error) bool {
	var r *RefusedError
	return errors.As(err, &r) && r.NoFolder()
}
