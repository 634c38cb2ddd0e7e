package ingest

import (
	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/notice"
)

// Notify turns notices on for a pass or a run: a message that earns one
// (notice.For) carries it in Item.Notice, and the store queues it in the
// same transaction as the message's intake row. nil means no notices.
type Notify struct {
	Config notice.Config
	// MaxAttachmentSize is the limit the store applies to a logged email's
	// attachments: those above it are named in an attachment_dropped
	// notice. 0 means none are dropped.
	MaxAttachmentSize int64
}

// Apply sets it.Notice to the notice it earns, if any (nothing when n is
// nil).
func (n *Notify) Apply(rules *crm.Rules, it *Item) {
	if n == nil || it.Failure != nil || it.Message == nil {
		return
	}
	var dropped []string
	if !it.Decision.Rejected() {
		dropped = n.dropped(it)
	}
	if nt, ok := notice.For(it.Message, it.Decision, rules, n.Config, dropped); ok {
		it.Notice = &nt
	}
}

// dropped names the attachments the store will leave out of the logged
// email: the message's own (only an email that is the message itself
// keeps attachments) over MaxAttachmentSize.
func (n *Notify) dropped(it *Item) []string {
	if n.MaxAttachmentSize <= 0 {
		return nil
	}
	direct := false
	for _, d := range append([]crm.Decision{it.Decision}, it.Decision.More...) {
		if d.Original == nil {
			direct = true
		}
	}
	if !direct {
		return nil
	}
	var names []string
	for _, a := range it.Message.Attachments {
		if a.Size > n.MaxAttachmentSize {
			name := a.Filename
			if name == "" {
				name = "(unnamed " + a.ContentType + ")"
			}
			names = append(names, name)
		}
	}
	return names
}
