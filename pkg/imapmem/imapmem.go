// Package imapmem runs go-imap's in-memory IMAP server on a loopback port:
// the mailbox of "poller demo", and a fast real IMAP peer for tests.
package imapmem

import (
	"bytes"
	"fmt"
	"net"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// Server is an in-memory IMAP server with one user and an INBOX.
type Server struct {
	// Addr is the listening address, 127.0.0.1:PORT.
	Addr string
	user *imapmemserver.User
	srv  *imapserver.Server
	ln   net.Listener
}

// Options tune Start.
type Options struct {
	// NoMove hides the MOVE and UIDPLUS capabilities, so that clients use
	// COPY, \Deleted and EXPUNGE.
	NoMove bool
}

// Start listens on 127.0.0.1 on a free port and serves one user.
func Start(username, password string, opts Options) (*Server, error) {
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(username, password)
	if err := user.Create("INBOX", nil); err != nil {
		return nil, fmt.Errorf("create INBOX: %w", err)
	}
	mem.AddUser(user)
	caps := imap.CapSet{imap.CapIMAP4rev1: {}}
	if !opts.NoMove {
		caps[imap.CapMove] = struct{}{}
		caps[imap.CapUIDPlus] = struct{}{}
	}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		InsecureAuth: true, // loopback only
		Caps:         caps,
		Logger:       discardLogger{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	s := &Server{Addr: ln.Addr().String(), user: user, srv: srv, ln: ln}
	go srv.Serve(ln)
	return s, nil
}

// Append adds a message to mailbox (created when missing).
func (s *Server) Append(mailbox string, raw []byte) error {
	if err := s.ensure(mailbox); err != nil {
		return err
	}
	_, err := s.user.Append(mailbox, literal{bytes.NewReader(raw)}, &imap.AppendOptions{Time: time.Now()})
	if err != nil {
		return fmt.Errorf("append to %s: %w", mailbox, err)
	}
	return nil
}

func (s *Server) ensure(mailbox string) error {
	if _, err := s.user.Status(mailbox, &imap.StatusOptions{NumMessages: true}); err == nil {
		return nil
	}
	return s.user.Create(mailbox, nil)
}

// Count returns the number of messages in mailbox and how many are unseen.
func (s *Server) Count(mailbox string) (total, unseen int, err error) {
	data, err := s.user.Status(mailbox, &imap.StatusOptions{NumMessages: true, NumUnseen: true})
	if err != nil {
		return 0, 0, err
	}
	return int(*data.NumMessages), int(*data.NumUnseen), nil
}

// Recreate deletes mailbox and creates it again, empty, with a new
// UIDVALIDITY: what a server does after a rebuild or a migration.
func (s *Server) Recreate(mailbox string) error {
	if err := s.user.Delete(mailbox); err != nil {
		return err
	}
	return s.user.Create(mailbox, nil)
}

// Delete deletes mailbox, as an admin or another client might while a
// pass runs.
func (s *Server) Delete(mailbox string) error { return s.user.Delete(mailbox) }

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

type literal struct{ *bytes.Reader }

func (l literal) Size() int64 { return l.Reader.Size() }

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
