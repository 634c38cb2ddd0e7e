package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/email"
)

// runExplain implements "poller explain --config FILE [--json] MESSAGE.eml...".
func runExplain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "config file (YAML)")
	asJSON := fs.Bool("json", false, "print one JSON object per message")
	dbPath := fs.String("db", "", "database to look contacts up in (default: store.path of the config, when that file exists)")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if *configPath == "" {
		return usagef("explain: --config FILE is required")
	}
	if len(files) == 0 {
		return usagef("explain: no message files given")
	}
	cfg, rules, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	exists, closeStore, err := contactLookup(ctx, cfg, *dbPath)
	if err != nil {
		return err
	}
	defer closeStore()
	maxAttachment := int64(cfg.CRM.MaxAttachmentSize)
	if maxAttachment <= 0 {
		maxAttachment = crmstore.DefaultMaxAttachmentSize
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	failed := 0
	for _, path := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		d, msg, err := explainFile(rules, path)
		if err != nil {
			fmt.Fprintf(stderr, "poller: explain %s: %v\n", path, err)
			failed++
			continue
		}
		out, err := newExplanation(path, msg, d, exists, maxAttachment)
		if err != nil {
			return err
		}
		if *asJSON {
			if err := enc.Encode(out); err != nil {
				return fmt.Errorf("write: %w", err)
			}
		} else {
			writeSummary(stdout, out, d)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files could not be read: %w", failed, len(files), errReported)
	}
	return nil
}

// explainFile parses and decides one message file. Only a file that cannot
// be read is an error; a message that cannot be parsed is a decision.
func explainFile(rules *crm.Rules, path string) (crm.Decision, *email.Message, error) {
	f, err := os.Open(path)
	if err != nil {
		return crm.Decision{}, nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return crm.Decision{}, nil, errors.New("is a directory, not a message file")
	}
	msg, err := email.Parse(f)
	if errors.Is(err, email.ErrMalformed) {
		return crm.Malformed(err), nil, nil
	}
	if err != nil {
		return crm.Decision{}, nil, err
	}
	return rules.Decide(msg), msg, nil
}

// explanation is the JSON contract of "poller explain --json": fields that
// do not apply are omitted, never null.
type explanation struct {
	File           string        `json:"file"`
	MessageID      string        `json:"message_id,omitempty"`
	Kind           crm.Kind      `json:"kind"`
	Reason         crm.Reason    `json:"reason,omitempty"`
	AttributedUser string        `json:"attributed_user,omitempty"`
	Tags           *tagsJSON     `json:"tags,omitempty"` // the log address's plus-tags; omitted when none
	Original       *originalJSON `json:"original,omitempty"`
	// Originals are all the originals of a forward carrying several
	// (attached messages), the first being Original; omitted for one.
	Originals      []*originalJSON `json:"originals,omitempty"`
	LogTo          []string        `json:"log_to,omitempty"`
	CreateContacts []string        `json:"create_contacts,omitzero"` // [] when logged and nothing is new
	Note           string          `json:"note,omitempty"`
	Body           string          `json:"body,omitempty"`
	// AttachmentsDropped are the attachments the store would leave out of
	// the logged email: over crm.max_attachment_size.
	AttachmentsDropped []droppedJSON `json:"attachments_dropped,omitempty"`
}

type droppedJSON struct {
	Name  string `json:"name"`
	Size  int64  `json:"size"`
	Limit int64  `json:"limit"`
}

// tagsJSON is what the log address's plus-part asks for
// (log+private+deal-42@).
type tagsJSON struct {
	Deal    string   `json:"deal,omitempty"`    // pin to this deal (its id or external id)
	Private bool     `json:"private,omitempty"` // seen by the attributed user and admins only
	Unknown []string `json:"unknown,omitempty"` // tags that mean nothing to poller (logged as usual)
}

type mailboxJSON struct {
	Name    string `json:"name,omitempty"`
	Address string `json:"address,omitempty"`
}

type originalJSON struct {
	From    mailboxJSON   `json:"from"`
	To      []mailboxJSON `json:"to,omitempty"`
	Cc      []mailboxJSON `json:"cc,omitempty"`
	Date    string        `json:"date,omitempty"`
	Subject string        `json:"subject,omitempty"`
}

// contactLookup returns a function telling which addresses are contacts
// already, from the store at dbPath, else the config's store (a SQLite
// file only when it exists); without a store, none are.
func contactLookup(ctx context.Context, cfg *config, dbPath string) (func([]string) (map[string]bool, error), func(), error) {
	none := func([]string) (map[string]bool, error) { return nil, nil }
	target := dbTarget(dbPath)
	if dbPath == "" {
		var err error
		if target, err = cfg.storeTarget(); err != nil {
			return nil, nil, err
		}
		if _, err := os.Stat(target.path); !target.postgres() && err != nil {
			return none, func() {}, nil
		}
	}
	store, err := openStore(ctx, target, crmstore.Options{})
	if err != nil {
		return nil, nil, err
	}
	lookup := func(addrs []string) (map[string]bool, error) { return store.ExistingContacts(ctx, addrs) }
	return lookup, func() { store.Close() }, nil
}

func newExplanation(path string, msg *email.Message, d crm.Decision, existing func([]string) (map[string]bool, error), maxAttachment int64) (explanation, error) {
	out := explanation{File: path, Kind: d.Kind, Reason: d.Reason}
	if msg != nil {
		out.MessageID = msg.MessageID
	}
	if d.Rejected() {
		return out, nil
	}
	out.AttributedUser = d.User.Email
	if t := d.Tags; !t.IsZero() {
		out.Tags = &tagsJSON{Deal: t.Deal, Private: t.Private, Unknown: t.Unknown}
	}
	seen := map[string]bool{}
	for _, dd := range append([]crm.Decision{d}, d.More...) {
		for _, c := range dd.LogTo {
			if !seen[c.Address] {
				seen[c.Address] = true
				out.LogTo = append(out.LogTo, c.Address)
			}
		}
	}
	slices.Sort(out.LogTo)
	known, err := existing(out.LogTo)
	if err != nil {
		return out, err
	}
	out.CreateContacts = append([]string{}, d.NewContacts(func(a string) bool { return known[a] })...)
	slices.Sort(out.CreateContacts)
	if d.Kind == crm.KindForward && d.Original != nil {
		out.Original = newOriginalJSON(d.Original)
		out.Note = strings.TrimSpace(d.Note)
	}
	direct := d.Original == nil
	for _, dd := range d.More {
		if dd.Original == nil {
			direct = true
		}
	}
	if len(d.More) > 0 {
		for _, dd := range append([]crm.Decision{d}, d.More...) {
			if dd.Original != nil {
				out.Originals = append(out.Originals, newOriginalJSON(dd.Original))
			}
		}
		if len(out.Originals) < 2 {
			out.Originals = nil
		}
	}
	// As the store does: only an email that is the message itself keeps
	// the message's attachments, and those over the limit are dropped.
	if direct && msg != nil {
		for _, a := range msg.Attachments {
			if a.Size > maxAttachment {
				out.AttachmentsDropped = append(out.AttachmentsDropped, droppedJSON{Name: a.Filename, Size: a.Size, Limit: maxAttachment})
			}
		}
	}
	out.Body = strings.TrimSpace(d.Body)
	return out, nil
}

// rfc3339NumericOffset is RFC 3339 with the offset always written as
// digits (+00:00, not Z): the offset the message states, as stated.
const rfc3339NumericOffset = "2006-01-02T15:04:05-07:00"

func newOriginalJSON(o *crm.Original) *originalJSON {
	j := &originalJSON{
		From:    mailboxJSON{Name: o.From.Name, Address: strings.ToLower(o.From.Address)},
		Subject: o.Subject,
	}
	for _, a := range o.To {
		j.To = append(j.To, mailboxJSON{Name: a.Name, Address: strings.ToLower(a.Address)})
	}
	for _, a := range o.Cc {
		j.Cc = append(j.Cc, mailboxJSON{Name: a.Name, Address: strings.ToLower(a.Address)})
	}
	if !o.Date.IsZero() {
		j.Date = o.Date.Format(rfc3339NumericOffset)
	}
	return j
}

// writeSummary prints the short human summary of one decision.
func writeSummary(w io.Writer, e explanation, d crm.Decision) {
	if d.Rejected() {
		fmt.Fprintf(w, "%s: rejected (%s): %s\n", e.File, d.Reason, d.Detail)
		return
	}
	fmt.Fprintf(w, "%s: %s, credited to %s, logged on %s\n", e.File, d.Kind, e.AttributedUser, strings.Join(e.LogTo, ", "))
	fmt.Fprintf(w, "  %s\n", d.Detail)
	if t := e.Tags; t != nil {
		var tags []string
		if t.Deal != "" {
			tags = append(tags, "pinned to deal "+t.Deal)
		}
		if t.Private {
			tags = append(tags, "private")
		}
		for _, u := range t.Unknown {
			tags = append(tags, fmt.Sprintf("unknown tag %q (ignored)", u))
		}
		fmt.Fprintf(w, "  tags: %s\n", strings.Join(tags, ", "))
	}
	if len(e.CreateContacts) > 0 {
		fmt.Fprintf(w, "  new contacts: %s\n", strings.Join(e.CreateContacts, ", "))
	}
	originals := e.Originals
	if len(originals) == 0 && e.Original != nil {
		originals = []*originalJSON{e.Original}
	}
	for i, o := range originals {
		label := "original"
		if len(originals) > 1 {
			label = fmt.Sprintf("original %d of %d", i+1, len(originals))
		}
		fmt.Fprintf(w, "  %s: from %s, subject %q", label, o.From.Address, o.Subject)
		if o.Date != "" {
			fmt.Fprintf(w, ", date %s", o.Date)
		}
		fmt.Fprintln(w)
	}
	for _, a := range e.AttachmentsDropped {
		fmt.Fprintf(w, "  attachment %q (%d bytes) would be dropped: over crm.max_attachment_size (%d bytes)\n", a.Name, a.Size, a.Limit)
	}
	if e.Note != "" {
		fmt.Fprintf(w, "  note: %q\n", firstLine(e.Note, 70))
	}
}

func firstLine(s string, max int) string {
	line, _, more := strings.Cut(s, "\n")
	if len([]rune(line)) > max {
		line = string([]rune(line)[:max])
		more = true
	}
	if more {
		line += "..."
	}
	return line
}
