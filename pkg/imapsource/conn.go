package imapsource

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-sasl"

	"github.com/poller-crm/poller/pkg/ingest"
)

// TLS modes.
const (
	TLSImplicit = "implicit" // TLS from the first byte (port 993)
	TLSStartTLS = "starttls" // plain, then STARTTLS (port 143)
	TLSNone     = "none"     // no TLS: loopback only, unless AllowInsecure
)

// Authentication methods.
const (
	AuthPlain   = "plain"   // AUTHENTICATE PLAIN
	AuthLogin   = "login"   // the LOGIN command
	AuthXOAUTH2 = "xoauth2" // AUTHENTICATE XOAUTH2 with a bearer token
)

// Config says how to reach and use one mailbox.
type Config struct {
	Name          string // the account's name in the config, for logs and origins
	Host          string
	Port          int
	TLS           string
	TLSSkipVerify bool
	CAFile        string
	AllowInsecure bool
	Username      string
	Password      string
	Auth          string
	// Token returns an OAuth 2 access token for XOAUTH2.
	Token func(ctx context.Context) (string, error)
	// Mailbox to read; "" means INBOX.
	Mailbox         string
	ProcessedFolder string // "" leaves processed messages in place, \Seen
	RejectedFolder  string // "" leaves rejected messages in place, \Seen
	// Timeout bounds each command (dial, login, search, store, move) and
	// each fetch of a batch; 0 means one minute.
	Timeout time.Duration
	// Trace, when set, receives the IMAP protocol trace, with passwords,
	// tokens and message contents redacted (see trace.go).
	Trace io.Writer
	// Logger receives what a pass skips without failing (messages another
	// client moved first); nil discards it.
	Logger *slog.Logger
}

// Addr is host:port.
func (c Config) Addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

func (c Config) mailbox() string {
	if c.Mailbox == "" {
		return "INBOX"
	}
	return c.Mailbox
}

func (c Config) timeout() time.Duration {
	if c.Timeout <= 0 {
		return time.Minute
	}
	return c.Timeout
}

// Validate checks the settings that do not need the network.
func (c Config) Validate() error {
	var errs []error
	if c.Host == "" {
		errs = append(errs, errors.New("host is required"))
	}
	if c.Port <= 0 || c.Port > 65535 {
		errs = append(errs, fmt.Errorf("port %d is not a TCP port", c.Port))
	}
	switch c.TLS {
	case TLSImplicit, TLSStartTLS:
	case TLSNone:
		if !c.AllowInsecure && !isLoopback(c.Host) {
			errs = append(errs, fmt.Errorf("tls: none sends the password in clear to %s; use implicit or starttls, or set allow_insecure: true", c.Host))
		}
	default:
		errs = append(errs, fmt.Errorf("tls %q: want implicit, starttls or none", c.TLS))
	}
	switch c.Auth {
	case AuthPlain, AuthLogin:
	case AuthXOAUTH2:
		if c.Token == nil {
			errs = append(errs, errors.New("auth xoauth2 needs token_file or token_command"))
		}
	default:
		errs = append(errs, fmt.Errorf("auth %q: want plain, login or xoauth2", c.Auth))
	}
	if c.Username == "" {
		errs = append(errs, errors.New("username is required"))
	}
	return errors.Join(errs...)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Conn is a logged-in connection with the mailbox selected.
type Conn struct {
	c           *imapclient.Client
	cfg         Config
	uidValidity uint32
	move        bool
	uidplus     bool
	// keywords: the mailbox keeps keywords of our own (PERMANENTFLAGS has
	// \*), so a message is marked with where it must be filed together
	// with \Seen, and a later pass can finish a move that was cut short.
	keywords bool
}

// Keywords that say where a \Seen message still in the mailbox must go:
// set together with \Seen, before the move.
const (
	keywordRejected  imap.Flag = "$PollerRejected"
	keywordProcessed imap.Flag = "$PollerProcessed"
)

// Dial connects, logs in and selects the mailbox, creating the processed
// and rejected folders when they are missing.
func Dial(ctx context.Context, cfg Config) (*Conn, error) {
	return dialSelect(ctx, cfg, nil)
}

func dialSelect(ctx context.Context, cfg Config, handler *imapclient.UnilateralDataHandler) (*Conn, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("mailbox %s: %w", cfg.Name, err)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout())
	defer cancel()
	client, err := dial(ctx, cfg, handler)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", cfg.Addr(), err)
	}
	c := &Conn{c: client, cfg: cfg}
	err = c.guard(ctx, func() error {
		if err := c.login(ctx); err != nil {
			return err
		}
		caps := client.Caps()
		c.move = caps.Has(imap.CapMove) || caps.Has(imap.CapIMAP4rev2)
		c.uidplus = caps.Has(imap.CapUIDPlus) || caps.Has(imap.CapIMAP4rev2)
		for _, folder := range []string{cfg.ProcessedFolder, cfg.RejectedFolder} {
			if err := c.ensureFolder(folder); err != nil {
				return err
			}
		}
		_, err := c.selectMailbox(false)
		return err
	})
	if err != nil {
		client.Close()
		return nil, err
	}
	return c, nil
}

// stepFunc is told of each step of dialSteps as it ends: its name, its
// error (nil when it worked) and what it found.
type stepFunc func(name string, err error, note string)

// dial opens the IMAP connection: TCP, TLS as configured, greeting.
func dial(ctx context.Context, cfg Config, handler *imapclient.UnilateralDataHandler) (*imapclient.Client, error) {
	return dialSteps(ctx, cfg, handler, nil)
}

// dialSteps is dial, telling step (when not nil) of each step: Check
// reports them. Each error carries its kind (see errors.go).
func dialSteps(ctx context.Context, cfg Config, handler *imapclient.UnilateralDataHandler, step stepFunc) (*imapclient.Client, error) {
	if step == nil {
		step = func(string, error, string) {}
	}
	tlsConfig, err := cfg.tlsConfig()
	if err != nil {
		step("TLS settings", err, "")
		return nil, err
	}
	opts := &imapclient.Options{
		TLSConfig:   tlsConfig,
		WordDecoder: &mime.WordDecoder{CharsetReader: charset.Reader},
		// Unilateral data (EXISTS during IDLE) for Watch.
		UnilateralDataHandler: handler,
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", cfg.Addr())
	if err != nil {
		err = withKind(dialKind(ctx, err), err)
		step("connect to "+cfg.Addr(), err, "")
		return nil, err
	}
	step("connect to "+cfg.Addr(), nil, "")
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	// The trace is taken on the plaintext side of TLS (see trace.go).
	var tr *tracer
	traced := func(c net.Conn) net.Conn { return c }
	if cfg.Trace != nil {
		tr = newTracer(cfg.Trace, cfg.Name)
		traced = tr.conn
	}
	var client *imapclient.Client
	switch cfg.TLS {
	case TLSImplicit:
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			err = withKind(tlsKind(ctx, err), err)
			step("TLS handshake", err, "")
			return nil, fmt.Errorf("TLS: %w", err)
		}
		st := tc.ConnectionState()
		step("TLS handshake", nil, tlsNote(&st, cfg))
		client = imapclient.New(traced(tc), opts)
	case TLSStartTLS:
		if tr != nil {
			var tc net.Conn
			if tc, err = startTLSTraced(ctx, conn, tlsConfig, tr); err == nil {
				client = imapclient.New(tc, opts)
			}
		} else {
			client, err = imapclient.NewStartTLS(conn, opts)
		}
		if err != nil {
			conn.Close()
			err = withKind(tlsKind(ctx, err), err)
			step("STARTTLS", err, "")
			return nil, fmt.Errorf("STARTTLS: %w", err)
		}
		step("STARTTLS", nil, tlsNote(nil, cfg))
	default:
		step("plain text (no TLS)", nil, "loopback or allow_insecure only")
		client = imapclient.New(traced(conn), opts)
	}
	if err := client.WaitGreeting(); err != nil {
		client.Close()
		if timedOut(ctx, err) {
			err = withKind(ErrTimeout, err)
		}
		step("server greeting", err, "")
		return nil, fmt.Errorf("greeting: %w", err)
	}
	return client, nil
}

// tlsNote says what the TLS handshake found: st is its state, nil when
// not known (STARTTLS in go-imap).
func tlsNote(st *tls.ConnectionState, cfg Config) string {
	switch {
	case cfg.TLSSkipVerify:
		return "certificate NOT verified (tls_skip_verify)"
	case st == nil:
		return ""
	case len(st.PeerCertificates) > 0:
		return "certificate valid for " + cfg.Host + ", issued by " + st.PeerCertificates[0].Issuer.CommonName
	}
	return tls.VersionName(st.Version)
}

func (cfg Config) tlsConfig() (*tls.Config, error) {
	tc := &tls.Config{ServerName: cfg.Host, InsecureSkipVerify: cfg.TLSSkipVerify, MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca_file %s: no PEM certificate in it", cfg.CAFile)
		}
		tc.RootCAs = pool
	}
	return tc, nil
}

func (c *Conn) login(ctx context.Context) error {
	var err error
	switch c.cfg.Auth {
	case AuthLogin:
		err = c.c.Login(c.cfg.Username, c.cfg.Password).Wait()
	case AuthPlain:
		err = c.c.Authenticate(sasl.NewPlainClient("", c.cfg.Username, c.cfg.Password))
	case AuthXOAUTH2:
		token, terr := c.cfg.Token(ctx)
		if terr != nil {
			return fmt.Errorf("get the OAuth token: %w", terr)
		}
		err = c.c.Authenticate(xoauth2Client{user: c.cfg.Username, token: token})
	}
	if err != nil {
		var ie *imap.Error
		if errors.As(err, &ie) {
			return fmt.Errorf("%w for %s: %s", ErrAuth, c.cfg.Username, ie.Text)
		}
		return fmt.Errorf("log in as %s: %w", c.cfg.Username, err)
	}
	return nil
}

// xoauth2Client is the XOAUTH2 SASL mechanism of Google and Microsoft.
type xoauth2Client struct{ user, token string }

func (x xoauth2Client) Start() (string, []byte, error) {
	return "XOAUTH2", []byte("user=" + x.user + "\x01auth=Bearer " + x.token + "\x01\x01"), nil
}

func (x xoauth2Client) Next(challenge []byte) ([]byte, error) {
	// The server sent an error as a challenge; an empty reply ends the exchange.
	return []byte{}, nil
}

// ensureFolder creates folder unless it exists.
func (c *Conn) ensureFolder(folder string) error {
	if folder == "" {
		return nil
	}
	if ok, err := c.folderExists(folder); ok || err != nil {
		return err
	}
	if err := refused("create folder "+folder, c.c.Create(folder, nil).Wait()); err != nil {
		var r *RefusedError
		if errors.As(err, &r) && r.Exists() {
			return nil
		}
		// Another connection (a concurrent pass, the IDLE watcher) may have
		// created it in the meantime.
		if again, lerr := c.c.List("", folder, nil).Collect(); lerr == nil && len(again) > 0 {
			return nil
		}
		return err
	}
	return nil
}

// folderExists reports whether folder exists (LIST).
func (c *Conn) folderExists(folder string) (bool, error) {
	list, err := c.c.List("", folder, nil).Collect()
	if err != nil {
		return false, refused("list "+folder, err)
	}
	return len(list) > 0, nil
}

// selectMailbox selects the mailbox, read-only (EXAMINE) when asked, and
// notes its UIDVALIDITY and whether it keeps keywords. A mailbox that is
// not there is ErrNoMailbox.
func (c *Conn) selectMailbox(readOnly bool) (*imap.SelectData, error) {
	mailbox, op := c.cfg.mailbox(), "select "
	if readOnly {
		op = "examine "
	}
	data, err := c.c.Select(mailbox, &imap.SelectOptions{ReadOnly: readOnly}).Wait()
	if err != nil {
		err = refused(op+mailbox, err)
		var r *RefusedError
		if errors.As(err, &r) {
			missing := r.NoFolder()
			if !missing && r.Code == "" {
				// No response code to say why: ask whether it is there.
				ok, lerr := c.folderExists(mailbox)
				missing = lerr == nil && !ok
			}
			if missing {
				err = withKind(ErrNoMailbox, err)
			}
		}
		return nil, err
	}
	c.uidValidity = data.UIDValidity
	c.keywords = slices.Contains(data.PermanentFlags, imap.FlagWildcard)
	return data, nil
}

// guard runs fn, closing the connection when ctx ends so that a stalled
// server cannot block it.
func (c *Conn) guard(ctx context.Context, fn func() error) error {
	stop := context.AfterFunc(ctx, func() { c.c.Close() })
	err := fn()
	if !stop() && ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return err
}

// Name is the account's name.
func (c *Conn) Name() string { return c.cfg.Name }

// Mailbox is the selected mailbox's name.
func (c *Conn) Mailbox() string { return c.cfg.mailbox() }

// UIDValidity is the selected mailbox's UIDVALIDITY.
func (c *Conn) UIDValidity() uint32 { return c.uidValidity }

// Unseen returns the UIDs of the messages without \Seen (UID SEARCH UNSEEN).
func (c *Conn) Unseen(ctx context.Context) ([]uint32, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.timeout())
	defer cancel()
	var uids []uint32
	err := c.guard(ctx, func() error {
		data, err := c.c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, nil).Wait()
		if err != nil {
			return refused("search unseen", err)
		}
		for _, uid := range data.AllUIDs() {
			uids = append(uids, uint32(uid))
		}
		return nil
	})
	slices.Sort(uids)
	return uids, err
}

// Fetch reads the given messages whole, without setting \Seen
// (BODY.PEEK[]). Messages that vanished in the meantime are left out.
func (c *Conn) Fetch(ctx context.Context, uids []uint32) ([]ingest.Fetched, error) {
	return c.fetch(ctx, uids, &imap.FetchItemBodySection{Peek: true})
}

func (c *Conn) fetch(ctx context.Context, uids []uint32, section *imap.FetchItemBodySection) ([]ingest.Fetched, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.timeout())
	defer cancel()
	var out []ingest.Fetched
	err := c.guard(ctx, func() error {
		cmd := c.c.Fetch(uidSet(uids), &imap.FetchOptions{UID: true, RFC822Size: true, BodySection: []*imap.FetchItemBodySection{section}})
		for {
			msg := cmd.Next()
			if msg == nil {
				break
			}
			f, err := readFetched(msg)
			if err != nil {
				// The connection broke inside a literal: close it without
				// touching the command again (go-imap would read the dead
				// stream concurrently with its reader goroutine).
				c.c.Close()
				return fmt.Errorf("fetch: %w", err)
			}
			if f.UID != 0 && f.Raw != nil {
				out = append(out, f)
			}
		}
		if err := refused("fetch", cmd.Close()); err != nil {
			if isGone(err) {
				// What is still there was read; the rest went elsewhere.
				c.logger().Debug("some messages were expunged by another client before the fetch", "mailbox", c.cfg.mailbox(), "error", err.Error())
				return nil
			}
			return err
		}
		return nil
	})
	return out, err
}

// readFetched reads one message's items, the body literal whole.
func readFetched(msg *imapclient.FetchMessageData) (ingest.Fetched, error) {
	var f ingest.Fetched
	for {
		item := msg.Next()
		if item == nil {
			return f, nil
		}
		switch it := item.(type) {
		case imapclient.FetchItemDataUID:
			f.UID = uint32(it.UID)
		case imapclient.FetchItemDataRFC822Size:
			f.Size = it.Size
		case imapclient.FetchItemDataBodySection:
			if it.Literal == nil {
				continue
			}
			// The literal's size is known: one buffer of that size, not
			// io.ReadAll's doublings (twice the memory, and garbage).
			raw := make([]byte, it.Literal.Size())
			n, err := io.ReadFull(it.Literal, raw)
			// A connection cut inside the literal reads as a short EOF.
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				return f, fmt.Errorf("message %d cut short: %d of %d bytes", f.UID, n, len(raw))
			}
			if err != nil {
				return f, err
			}
			f.Raw = raw
		}
	}
}

// Acknowledge marks committed messages: \Seen, then moved to the processed
// or rejected folder when one is configured. Where the mailbox keeps
// keywords, a message to move is marked with its destination in the same
// STORE as \Seen, so that Refile can finish a move that did not happen.
func (c *Conn) Acknowledge(ctx context.Context, processed, rejected []uint32) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.timeout())
	defer cancel()
	return c.guard(ctx, func() error {
		if err := c.markSeen(processed, c.cfg.ProcessedFolder, keywordProcessed); err != nil {
			return err
		}
		if err := c.markSeen(rejected, c.cfg.RejectedFolder, keywordRejected); err != nil {
			return err
		}
		if err := c.moveTo(processed, c.cfg.ProcessedFolder); err != nil {
			return err
		}
		return c.moveTo(rejected, c.cfg.RejectedFolder)
	})
}

// markSeen sets \Seen on uids, and the keyword naming their folder when
// they are to be moved there.
func (c *Conn) markSeen(uids []uint32, folder string, keyword imap.Flag) error {
	if len(uids) == 0 {
		return nil
	}
	flags := []imap.Flag{imap.FlagSeen}
	if folder != "" && c.keywords {
		flags = append(flags, keyword)
	}
	store := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: flags}
	return c.skipGone("store \\Seen", uids, func() error {
		return refused("store \\Seen", c.c.Store(uidSet(uids), store, nil).Close())
	})
}

// skipGone runs cmd; refused because some of uids are gone (another client
// moved or expunged them), it lets the server tell this session which
// (NOOP) and runs cmd once more over what is left. Messages still reported
// gone are skipped: they are no longer this pass's to file.
func (c *Conn) skipGone(op string, uids []uint32, cmd func() error) error {
	err := cmd()
	if !isGone(err) {
		return err
	}
	if nerr := c.c.Noop().Wait(); nerr != nil {
		return refused("noop", nerr)
	}
	if err = cmd(); isGone(err) {
		c.logger().Debug("messages already moved or expunged by another client: skipped", "mailbox", c.cfg.mailbox(), "op", op, "uids", len(uids), "error", err.Error())
		return nil
	}
	return err
}

func (c *Conn) logger() *slog.Logger {
	if c.cfg.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.cfg.Logger
}

// Refile moves the messages that an earlier acknowledgement marked \Seen
// but did not move (the process died between the two, or the folder
// refused the move) to their folder, and reports how many it moved.
func (c *Conn) Refile(ctx context.Context) (int, error) {
	if !c.keywords {
		return 0, nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.timeout())
	defer cancel()
	moved := 0
	err := c.guard(ctx, func() error {
		for _, f := range []struct {
			folder  string
			keyword imap.Flag
		}{{c.cfg.RejectedFolder, keywordRejected}, {c.cfg.ProcessedFolder, keywordProcessed}} {
			if f.folder == "" {
				continue
			}
			data, err := c.c.UIDSearch(&imap.SearchCriteria{Flag: []imap.Flag{imap.FlagSeen, f.keyword}}, nil).Wait()
			if err != nil {
				return refused(fmt.Sprintf("search %s", f.keyword), err)
			}
			var uids []uint32
			for _, uid := range data.AllUIDs() {
				uids = append(uids, uint32(uid))
			}
			if err := c.moveTo(uids, f.folder); err != nil {
				return err
			}
			moved += len(uids)
		}
		return nil
	})
	return moved, err
}

// moveTo moves uids to folder: UID MOVE, or COPY + \Deleted + UID EXPUNGE.
// A folder deleted under the pass (TRYCREATE, RFC 9051 section 7.1) is
// created and the move tried once more; messages another client moved or
// expunged first are skipped.
func (c *Conn) moveTo(uids []uint32, folder string) error {
	if len(uids) == 0 || folder == "" {
		return nil
	}
	err := c.moveOnce(uids, folder)
	if isNoFolder(err) {
		c.logger().Info("folder missing: creating it", "folder", folder, "error", err.Error())
		if err := c.ensureFolder(folder); err != nil {
			return err
		}
		err = c.moveOnce(uids, folder)
	}
	return err
}

// moveOnce moves uids to folder, each command retried over what is left
// when some of the messages are gone (a refused command changed nothing).
func (c *Conn) moveOnce(uids []uint32, folder string) error {
	set := uidSet(uids)
	if c.move {
		return c.skipGone("move to "+folder, uids, func() error {
			_, err := c.c.Move(set, folder).Wait()
			return refused("move to "+folder, err)
		})
	}
	err := c.skipGone("copy to "+folder, uids, func() error {
		_, err := c.c.Copy(set, folder).Wait()
		return refused("copy to "+folder, err)
	})
	if err != nil {
		return err
	}
	del := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}
	err = c.skipGone("store \\Deleted", uids, func() error {
		return refused("store \\Deleted", c.c.Store(set, del, nil).Close())
	})
	if err != nil {
		return err
	}
	var expunge *imapclient.ExpungeCommand
	if c.uidplus {
		expunge = c.c.UIDExpunge(set)
	} else {
		expunge = c.c.Expunge()
	}
	if err := expunge.Close(); err != nil {
		return refused("expunge", err)
	}
	return nil
}

// Close logs out and closes the connection.
func (c *Conn) Close() error {
	done := make(chan error, 1)
	go func() { done <- c.c.Logout().Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	return c.c.Close()
}

func uidSet(uids []uint32) imap.UIDSet {
	var set imap.UIDSet
	for _, u := range uids {
		set.AddNum(imap.UID(u))
	}
	return set
}

// Describe turns a connection error into a sentence with a hint.
func Describe(err error) string {
	if hint := Hint(err); hint != "" {
		return err.Error() + " (" + hint + ")"
	}
	return err.Error()
}

// Sizes returns the messages' sizes (UID FETCH RFC822.SIZE).
func (c *Conn) Sizes(ctx context.Context, uids []uint32) (map[uint32]int64, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.timeout())
	defer cancel()
	sizes := make(map[uint32]int64, len(uids))
	err := c.guard(ctx, func() error {
		msgs, err := c.c.Fetch(uidSet(uids), &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
		if err != nil {
			if err = refused("fetch sizes", err); isGone(err) {
				return nil // the vanished ones are not listed, as if gone before
			}
			return err
		}
		for _, m := range msgs {
			sizes[uint32(m.UID)] = m.RFC822Size
		}
		return nil
	})
	return sizes, err
}

// FetchHeaders reads only the header sections (BODY.PEEK[HEADER]) of
// messages too large to hold, with their whole sizes.
func (c *Conn) FetchHeaders(ctx context.Context, uids []uint32) ([]ingest.Fetched, error) {
	return c.fetch(ctx, uids, &imap.FetchItemBodySection{Peek: true, Specifier: imap.PartSpecifierHeader})
}
