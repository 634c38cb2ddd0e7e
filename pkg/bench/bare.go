package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
)

// Mode is how much a bare contender does with each message.
type Mode int

// The bare contenders, from the least work up.
const (
	// Read: UID SEARCH UNSEEN, then UID FETCH BODY.PEEK[] in batches,
	// each message read whole into memory.
	Read Mode = iota
	// ReadParse also parses each message with go-message: the header's
	// addresses, date and subject, and every part (nested messages too),
	// its body read to the end, decoded.
	ReadParse
	// ReadParseStore also marks each batch \Seen (UID STORE +FLAGS.SILENT)
	// once it is parsed, as poller acknowledges a committed batch.
	ReadParseStore
)

// Modes are the bare contenders, in the order the bench lists them.
var Modes = []Mode{Read, ReadParse, ReadParseStore}

func (m Mode) String() string {
	switch m {
	case Read:
		return "bare read"
	case ReadParse:
		return "bare read+parse"
	case ReadParseStore:
		return "bare read+parse+STORE"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Account is where a bare contender reads: a plain (no TLS) IMAP listener,
// as on loopback, and a mailbox.
type Account struct {
	Addr               string // host:port
	Username, Password string
	Mailbox            string // "" = INBOX
}

// Result is what one run read.
type Result struct {
	Messages int
	Bytes    int64 // the messages' raw bytes
	Parts    int   // leaf parts parsed (ReadParse and ReadParseStore)
	Elapsed  time.Duration
}

// Bare runs one bare contender over a's unseen messages, fetching batch
// messages at a time (50 when batch <= 0), and times it from the connection
// to the logout: what a client pays to read (and parse, and mark) them.
func Bare(ctx context.Context, a Account, mode Mode, batch int) (Result, error) {
	if batch <= 0 {
		batch = 50
	}
	began := time.Now()
	c, err := dial(a)
	if err != nil {
		return Result{}, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()

	var res Result
	uids, err := unseen(c)
	if err != nil {
		return res, err
	}
	for len(uids) > 0 {
		n := min(batch, len(uids))
		chunk := uids[:n]
		uids = uids[n:]
		set := imap.UIDSetNum(chunk...)
		cmd := c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			for item := msg.Next(); item != nil; item = msg.Next() {
				body, ok := item.(imapclient.FetchItemDataBodySection)
				if !ok || body.Literal == nil {
					continue
				}
				// Each message in its own buffer of the literal's size, as
				// a client keeping the batch would need.
				raw := make([]byte, body.Literal.Size())
				if _, err := io.ReadFull(body.Literal, raw); err != nil {
					cmd.Close()
					return res, fmt.Errorf("fetch: %w", err)
				}
				res.Messages++
				res.Bytes += int64(len(raw))
				if mode >= ReadParse {
					parts, err := Parse(raw)
					if err != nil {
						cmd.Close()
						return res, fmt.Errorf("message %d: %w", res.Messages, err)
					}
					res.Parts += parts
				}
			}
		}
		if err := cmd.Close(); err != nil {
			return res, fmt.Errorf("fetch: %w", err)
		}
		if mode >= ReadParseStore {
			store := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}
			if err := c.Store(set, store, nil).Close(); err != nil {
				return res, fmt.Errorf("store \\Seen: %w", err)
			}
		}
	}
	if err := c.Logout().Wait(); err != nil {
		return res, fmt.Errorf("logout: %w", err)
	}
	res.Elapsed = time.Since(began)
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	return res, nil
}

func dial(a Account) (*imapclient.Client, error) {
	c, err := imapclient.DialInsecure(a.Addr, nil)
	if err != nil {
		return nil, err
	}
	if err := c.Login(a.Username, a.Password).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("login: %w", err)
	}
	mailbox := a.Mailbox
	if mailbox == "" {
		mailbox = "INBOX"
	}
	if _, err := c.Select(mailbox, nil).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("select %s: %w", mailbox, err)
	}
	return c, nil
}

func unseen(c *imapclient.Client) ([]imap.UID, error) {
	data, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("search unseen: %w", err)
	}
	uids := data.AllUIDs()
	slices.Sort(uids)
	return uids, nil
}

// Count reports how many messages a's mailbox holds and how many of them
// are unseen.
func Count(ctx context.Context, a Account) (total, unseenCount int, err error) {
	c, err := dial(a)
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	data, err := c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
	if err != nil {
		return 0, 0, fmt.Errorf("search all: %w", err)
	}
	uids, err := unseen(c)
	if err != nil {
		return 0, 0, err
	}
	return len(data.AllUIDs()), len(uids), c.Logout().Wait()
}

// Reset clears \Seen on every message of a's mailbox, so that the next
// contender finds them all unseen again, and returns how many messages
// the mailbox holds.
func Reset(ctx context.Context, a Account) (int, error) {
	c, err := dial(a)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	data, err := c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
	if err != nil {
		return 0, fmt.Errorf("search all: %w", err)
	}
	n := len(data.AllUIDs())
	if n > 0 {
		all := imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}} // 1:*
		store := &imap.StoreFlags{Op: imap.StoreFlagsDel, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}
		if err := c.Store(all, store, nil).Close(); err != nil {
			return 0, fmt.Errorf("store -\\Seen: %w", err)
		}
	}
	return n, c.Logout().Wait()
}

// Parse parses raw with go-message as a mail client would: the header's
// From, To, Cc, Date and Subject, then every part, nested message/rfc822
// ones included, each body read to its end (decoded). It returns how many
// leaf parts it read.
func Parse(raw []byte) (int, error) {
	return parse(bytes.NewReader(raw), 0)
}

// maxDepth bounds how deep Parse descends into nested messages.
const maxDepth = 8

func parse(r io.Reader, depth int) (int, error) {
	e, err := message.Read(r)
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		return 0, err
	}
	h := mail.Header{Header: e.Header}
	for _, key := range []string{"From", "To", "Cc"} {
		_, _ = h.AddressList(key)
	}
	_, _ = h.Date()
	_, _ = h.Subject()
	return walk(e, depth)
}

func walk(e *message.Entity, depth int) (int, error) {
	if mr := e.MultipartReader(); mr != nil {
		parts := 0
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return parts, nil
			}
			if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
				return parts, err
			}
			n, err := walk(p, depth)
			parts += n
			if err != nil {
				return parts, err
			}
		}
	}
	if t, _, _ := e.Header.ContentType(); t == "message/rfc822" && depth < maxDepth {
		return parse(e.Body, depth+1)
	}
	_, _, _ = e.Header.ContentDisposition()
	if _, err := io.Copy(io.Discard, e.Body); err != nil {
		return 1, err
	}
	return 1, nil
}

// Warm fetches every message of a's mailbox once (flags, size and body,
// without setting \Seen) and returns how many it read and their bytes:
// after a fill, it makes the server index the new mail and cache what
// the contenders ask for, so that the first timed contender pays for
// none of it.
func Warm(ctx context.Context, a Account) (int, int64, error) {
	c, err := dial(a)
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	all := imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}}
	cmd := c.Fetch(all, &imap.FetchOptions{UID: true, Flags: true, RFC822Size: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	n, size := 0, int64(0)
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		for item := msg.Next(); item != nil; item = msg.Next() {
			if body, ok := item.(imapclient.FetchItemDataBodySection); ok && body.Literal != nil {
				k, err := io.Copy(io.Discard, body.Literal)
				if err != nil {
					cmd.Close()
					return n, size, fmt.Errorf("fetch: %w", err)
				}
				n++
				size += k
			}
		}
	}
	if err := cmd.Close(); err != nil {
		return n, size, fmt.Errorf("fetch: %w", err)
	}
	return n, size, c.Logout().Wait()
}
