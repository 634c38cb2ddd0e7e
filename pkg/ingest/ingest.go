// Package ingest runs messages through the decision pipeline and into a
// store: read raw bytes, parse, decide, record, and only then acknowledge.
// It declares the small interfaces it needs from its adapters (Store, and
// the sources in the cmd layer) and knows nothing of SQLite or IMAP.
package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/email"
	"github.com/poller-crm/poller/pkg/notice"
)

// Origin says where a message came from: a local file, or an IMAP mailbox
// with the message's UIDVALIDITY and UID.
type Origin struct {
	Path        string // a file; "path#N" for the N-th message of an mbox
	Mailbox     string
	UIDValidity uint32
	UID         uint32
}

// String is the origin for people: the path, or "mailbox uidvalidity/uid".
func (o Origin) String() string {
	if o.Mailbox != "" {
		return fmt.Sprintf("%s %d/%d", o.Mailbox, o.UIDValidity, o.UID)
	}
	return o.Path
}

// Item is one processed message, ready to be recorded.
type Item struct {
	Origin Origin
	Raw    []byte
	// Message is the parsed message; nil when it could not be parsed.
	Message  *email.Message
	Decision crm.Decision
	// Failure is set when processing failed (a bug, not a decision): the
	// message is recorded as failed and left for a later pass.
	Failure error
	// Notice, when notices are on (Notify), is the notice the message
	// earns; the store queues it with the intake row, once per message.
	Notice *notice.Notice
}

// Outcome is what recording a message did.
type Outcome string

// The outcomes of the intake log.
const (
	OutcomeLogged    Outcome = "logged"
	OutcomeRejected  Outcome = "rejected"
	OutcomeDuplicate Outcome = "duplicate"
	OutcomeFailed    Outcome = "failed"
)

// Result is the committed outcome of one Item.
type Result struct {
	Outcome Outcome
	Reason  crm.Reason // rejections
	// EmailIDs are the logged emails (new, or the existing ones for a
	// duplicate).
	EmailIDs []int64
	// Err says why a message failed.
	Err error
	// Seen reports that this very message (same bytes, same origin) was
	// recorded before, so nothing was written this time.
	Seen bool
	// Attempts counts the failed records of this message, this one
	// included (failures only).
	Attempts int
	// Noticed reports that a notice was queued with this record.
	Noticed bool
}

// Store records processed messages. Record commits every item it returns a
// result for; an error means nothing of the batch was committed.
type Store interface {
	Record(ctx context.Context, items []Item) ([]Result, error)
}

// Process parses raw and applies rules to it. It never panics: a panic in
// parsing or deciding becomes Item.Failure, with the stack.
func Process(rules *crm.Rules, origin Origin, raw []byte) Item {
	return ProcessSized(rules, origin, raw, 0)
}

// ProcessSized is Process for a message of which raw may hold only a part
// (the header section of one too large to fetch): size, when larger than
// raw, is the whole message's size and decides on too_large.
func ProcessSized(rules *crm.Rules, origin Origin, raw []byte, size int64) (it Item) {
	it = Item{Origin: origin, Raw: raw}
	defer func() {
		if r := recover(); r != nil {
			it.Message = nil
			it.Failure = fmt.Errorf("panic while processing the message: %v\n%s", r, debug.Stack())
		}
	}()
	msg, err := email.Parse(bytes.NewReader(raw))
	switch {
	case errors.Is(err, email.ErrMalformed):
		it.Decision = crm.Malformed(err)
	case err != nil:
		it.Failure = fmt.Errorf("parse: %w", err)
	default:
		msg.Size = max(msg.Size, size)
		it.Message = msg
		it.Decision = rules.Decide(msg)
	}
	return it
}
