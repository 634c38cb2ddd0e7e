package imapsource_test

import (
	"context"
	"errors"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/poller-crm/poller/pkg/imapmem"
	"github.com/poller-crm/poller/pkg/imapsource"
	"github.com/poller-crm/poller/pkg/ingest"
)

// A rejection committed and marked \Seen whose move failed (the folder was
// gone, or the process died between the two) is filed by a later pass
// instead of staying stranded, seen, in INBOX.
func TestStrandedRejectionIsFiledByALaterPass(t *testing.T) {
	raw := []byte("From: Stranger <someone@elsewhere.example>\r\nTo: log@crm.example.com\r\nSubject: hello\r\n" +
		"Message-ID: <stranded-1@elsewhere.example>\r\nDate: Mon, 2 Mar 2026 09:00:00 +0000\r\n\r\nhi\r\n")
	for _, tc := range []struct {
		name string
		opts imapmem.Options
	}{{"MOVE", imapmem.Options{}}, {"COPY and EXPUNGE", imapmem.Options{NoMove: true}}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := memServer(t, tc.opts, [][]byte{raw})
			store := openStore(t)
			cfg := config(srv.Addr)
			// Every acknowledgement of the first pass dies between the STORE
			// of \Seen and its keyword and the move. (A Rejected folder
			// deleted under the pass no longer strands anything: the move
			// creates it, see TestMoveCreatesADeletedFolderOnce.)
			diesBeforeMove := func(ctx context.Context) (ingest.Mailbox, error) {
				c, err := imapsource.Dial(ctx, cfg)
				if err != nil {
					return nil, err
				}
				return diesBeforeMoving{c, t, srv.Addr}, nil
			}
			ingest.Pass(context.Background(), diesBeforeMove, rules(t), store, ingest.PassOptions{MaxReconnects: 1, Backoff: 1})
			if total, unseen, _ := srv.Count("INBOX"); total != 1 || unseen != 0 {
				t.Fatalf("after the failed move INBOX has %d messages, %d unseen; want the one message, seen", total, unseen)
			}
			if n := count(t, store, `SELECT count(*) FROM intake WHERE outcome = 'rejected'`); n != 1 {
				t.Fatalf("rejections recorded = %d, want 1", n)
			}

			sum, err := ingest.Pass(context.Background(), dialer(cfg), rules(t), store, ingest.PassOptions{})
			if err != nil {
				t.Fatalf("second pass: %v", err)
			}
			inbox, _, _ := srv.Count("INBOX")
			rejected, _, _ := srv.Count("Rejected")
			if inbox != 0 || rejected != 1 || sum.Refiled != 1 {
				t.Errorf("after the second pass INBOX %d, Rejected %d, refiled %d; want 0, 1, 1", inbox, rejected, sum.Refiled)
			}
			if n := count(t, store, `SELECT count(*) FROM intake`); n != 1 {
				t.Errorf("intake rows = %d, want 1 (filing records nothing new)", n)
			}
			third, err := ingest.Pass(context.Background(), dialer(cfg), rules(t), store, ingest.PassOptions{})
			if err != nil || third.Refiled != 0 {
				t.Errorf("third pass refiled %d (%v), want 0", third.Refiled, err)
			}
			if rejected, _, _ := srv.Count("Rejected"); rejected != 1 {
				t.Errorf("Rejected holds %d copies, want 1", rejected)
			}
		})
	}
}

type mailbox = ingest.Mailbox

// diesBeforeMoving is a mailbox whose acknowledgement marks rejections as
// Acknowledge does (\Seen and $PollerRejected), then fails as a cut
// connection would, before moving anything. It is no Refiler.
type diesBeforeMoving struct {
	mailbox
	t    *testing.T
	addr string
}

func (d diesBeforeMoving) Acknowledge(ctx context.Context, processed, rejected []uint32) error {
	c, err := imapclient.DialInsecure(d.addr, nil)
	if err != nil {
		d.t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(user, password).Wait(); err != nil {
		d.t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		d.t.Fatal(err)
	}
	var set imap.UIDSet
	for _, u := range append(processed, rejected...) {
		set.AddNum(imap.UID(u))
	}
	flags := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen, "$PollerRejected"}}
	if err := c.Store(set, flags, nil).Close(); err != nil {
		d.t.Fatal(err)
	}
	return errors.New("connection reset by peer")
}
