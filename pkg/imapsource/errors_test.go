package imapsource_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"

	"github.com/poller-crm/poller/pkg/imapmem"
	"github.com/poller-crm/poller/pkg/imapsource"
	"github.com/poller-crm/poller/pkg/imaptest/dovecot"
	"github.com/poller-crm/poller/pkg/ingest"
)

func TestRefusedErrorSaysWhatItMeans(t *testing.T) {
	for _, tc := range []struct {
		code               imap.ResponseCode
		gone, noFolder, ex bool
	}{
		{"EXPUNGEISSUED", true, false, false},
		{imap.ResponseCodeTryCreate, false, true, false},
		{imap.ResponseCodeNonExistent, false, true, false},
		{imap.ResponseCodeAlreadyExists, false, false, true},
		{imap.ResponseCodeServerBug, false, false, false},
		{imap.ResponseCodeOverQuota, false, false, false},
	} {
		r := &imapsource.RefusedError{Op: "move to Rejected", Type: imap.StatusResponseTypeNo, Code: tc.code, Text: "no"}
		err := fmt.Errorf("acknowledge: %w", r)
		if !imapsource.IsRefused(err) || !ingest.IsRefused(err) {
			t.Errorf("IsRefused(%s) = false, want true in imapsource and ingest", tc.code)
		}
		if r.Gone() != tc.gone || r.NoFolder() != tc.noFolder || r.Exists() != tc.ex {
			t.Errorf("%s: Gone, NoFolder, Exists = %v %v %v, want %v %v %v", tc.code, r.Gone(), r.NoFolder(), r.Exists(), tc.gone, tc.noFolder, tc.ex)
		}
		if want := "move to Rejected: refused by the server: NO [" + string(tc.code) + "] no"; r.Error() != want {
			t.Errorf("Error() = %q, want %q", r.Error(), want)
		}
	}
	for _, err := range []error{io.EOF, errors.New("connection reset by peer"), fmt.Errorf("fetch: %w", io.ErrUnexpectedEOF)} {
		if imapsource.IsRefused(err) || ingest.IsRefused(err) {
			t.Errorf("IsRefused(%v) = true, want false: a cut connection is not a refusal", err)
		}
	}
}

// logBuffer is a debug-level text log the test reads back.
func logBuffer() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), &buf
}

// The Rejected folder deleted under a pass (TRYCREATE on the move) is
// created once and the move done, without reconnecting.
func TestMoveCreatesADeletedFolderOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts imapmem.Options
	}{{"MOVE", imapmem.Options{}}, {"COPY and EXPUNGE", imapmem.Options{NoMove: true}}} {
		t.Run(tc.name, func(t *testing.T) {
			raws := fixtures(t)
			srv := memServer(t, tc.opts, raws)
			store := openStore(t)
			log, buf := logBuffer()
			cfg := config(srv.Addr)
			cfg.Logger = log
			folderGone := func(ctx context.Context) (ingest.Mailbox, error) {
				c, err := imapsource.Dial(ctx, cfg)
				if err != nil {
					return nil, err
				}
				if err := srv.Delete("Rejected"); err != nil {
					t.Fatal(err)
				}
				return c, nil
			}
			sum, err := ingest.Pass(context.Background(), folderGone, rules(t), store, ingest.PassOptions{Batching: ingest.Batching{BatchSize: 4}, Logger: log})
			if err != nil || sum.Reconnects != 0 {
				t.Fatalf("Pass = %s, %v; want no error and no reconnection\n%s", sum, err, buf)
			}
			if sum.Rejected == 0 {
				t.Fatal("the fixtures hold no rejection")
			}
			rejected, _, _ := srv.Count("Rejected")
			inbox, unseen, _ := srv.Count("INBOX")
			if rejected != sum.Rejected || unseen != 0 || inbox != len(raws)-sum.Rejected {
				t.Errorf("Rejected %d, INBOX %d (unseen %d); want the %d rejections filed once", rejected, inbox, unseen, sum.Rejected)
			}
			if n := strings.Count(buf.String(), "folder missing: creating it"); n != 1 {
				t.Errorf("folder created %d times, want once\n%s", n, buf)
			}
			if strings.Contains(buf.String(), "connection lost") {
				t.Errorf("a refusal was reported as a lost connection:\n%s", buf)
			}
		})
	}
}

// otherWorkerFilesFirst is a mailbox where another connection (another
// worker) files the first message of each list just before this one
// acknowledges them. (It leaves one at least: go-imap's in-memory server
// answers a move of nothing with an empty COPYUID the client cannot parse.)
type otherWorkerFilesFirst struct {
	mailbox
	other *imapsource.Conn
	all   bool // file every message first, not only the first of each list
}

func (o otherWorkerFilesFirst) Acknowledge(ctx context.Context, processed, rejected []uint32) error {
	first := func(uids []uint32) []uint32 {
		if o.all {
			return uids
		}
		if len(uids) < 2 {
			return nil
		}
		return uids[:1]
	}
	if err := o.other.Acknowledge(ctx, first(processed), first(rejected)); err != nil {
		return fmt.Errorf("the other worker: %w", err)
	}
	return o.mailbox.Acknowledge(ctx, processed, rejected)
}

// Messages moved by someone else between fetch and acknowledgement are
// skipped: no error, no reconnection, no second copy in Rejected.
func TestMessagesFiledByAnotherWorkerAreSkipped(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts imapmem.Options
	}{{"MOVE", imapmem.Options{}}, {"COPY and EXPUNGE", imapmem.Options{NoMove: true}}} {
		t.Run(tc.name, func(t *testing.T) {
			raws := fixtures(t)
			srv := memServer(t, tc.opts, raws)
			store := openStore(t)
			log, buf := logBuffer()
			cfg := config(srv.Addr)
			cfg.Logger = log
			other, err := imapsource.Dial(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			dial := func(ctx context.Context) (ingest.Mailbox, error) {
				c, err := imapsource.Dial(ctx, cfg)
				if err != nil {
					return nil, err
				}
				return otherWorkerFilesFirst{c, other, false}, nil
			}
			sum, err := ingest.Pass(context.Background(), dial, rules(t), store, ingest.PassOptions{Batching: ingest.Batching{BatchSize: 40}, Logger: log})
			if err != nil || sum.Reconnects != 0 {
				t.Fatalf("Pass = %s, %v; want no error and no reconnection\n%s", sum, err, buf)
			}
			rejected, _, _ := srv.Count("Rejected")
			inbox, unseen, _ := srv.Count("INBOX")
			if rejected != sum.Rejected || unseen != 0 || inbox != len(raws)-sum.Rejected {
				t.Errorf("Rejected %d, INBOX %d (unseen %d); want the %d rejections filed once", rejected, inbox, unseen, sum.Rejected)
			}
		})
	}
}

// refusingMailbox refuses every acknowledgement with code.
type refusingMailbox struct {
	mailbox
	code imap.ResponseCode
}

func (r refusingMailbox) Acknowledge(context.Context, []uint32, []uint32) error {
	return &imapsource.RefusedError{Op: "move to Rejected", Type: imap.StatusResponseTypeNo, Code: r.code, Text: "refused"}
}

// SERVERBUG and OVERQUOTA stop the pass with the refusal named, without
// the reconnection loop.
func TestServerRefusalStopsThePass(t *testing.T) {
	for _, code := range []imap.ResponseCode{imap.ResponseCodeServerBug, imap.ResponseCodeOverQuota} {
		t.Run(string(code), func(t *testing.T) {
			srv := memServer(t, imapmem.Options{}, fixtures(t))
			cfg := config(srv.Addr)
			log, buf := logBuffer()
			dials := 0
			dial := func(ctx context.Context) (ingest.Mailbox, error) {
				dials++
				c, err := imapsource.Dial(ctx, cfg)
				if err != nil {
					return nil, err
				}
				return refusingMailbox{c, code}, nil
			}
			sum, err := ingest.Pass(context.Background(), dial, rules(t), openStore(t), ingest.PassOptions{Logger: log, Backoff: 1})
			if err == nil || !strings.Contains(err.Error(), "["+string(code)+"]") {
				t.Fatalf("Pass error = %v, want the refusal %s named", err, code)
			}
			if imapsource.Hint(err) == "" || strings.Contains(imapsource.Describe(err), "reconnect") {
				t.Errorf("Describe(%v) = %q, want a hint for %s", err, imapsource.Describe(err), code)
			}
			if sum.Reconnects != 0 || dials != 1 || strings.Contains(buf.String(), "connection lost") {
				t.Errorf("reconnects %d, dials %d; want none after a refusal\n%s", sum.Reconnects, dials, buf)
			}
		})
	}
}

// Against Dovecot, another session files every message of each batch
// just before the pass acknowledges it: the pass's STORE and MOVE find
// them expunged (EXPUNGEISSUED, or nothing to do) and skip them, with no
// error, no reconnection and no second copy in Rejected.
func TestMessagesFiledByAnotherWorkerAgainstDovecot(t *testing.T) {
	srv := dovecot.Start(t, dovecot.User{Name: user, Password: password})
	raws := fixtures(t)
	srv.Deliver(t, user, raws...)
	log, buf := logBuffer()
	cfg := config(srv.Addr)
	cfg.Logger = log
	other, err := imapsource.Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	dial := func(ctx context.Context) (ingest.Mailbox, error) {
		c, err := imapsource.Dial(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return otherWorkerFilesFirst{c, other, true}, nil
	}
	sum, err := ingest.Pass(context.Background(), dial, rules(t), openStore(t), ingest.PassOptions{Batching: ingest.Batching{BatchSize: 16}, Logger: log})
	if err != nil || sum.Reconnects != 0 {
		t.Fatalf("Pass = %s, %v; want no error and no reconnection\n%s", sum, err, buf)
	}
	rejected, rejectedSeen := countMaildir(t, filepath.Join(srv.Maildir(user), ".Rejected"))
	if rejected != sum.Rejected || rejectedSeen != rejected {
		t.Errorf("Rejected folder holds %d (%d seen), %d rejections; want each once", rejected, rejectedSeen, sum.Rejected)
	}
	t.Logf("skips logged: %d", strings.Count(buf.String(), "by another client"))
}

// countMaildir counts a Maildir folder's messages and those flagged \Seen.
func countMaildir(t *testing.T, dir string) (total, seen int) {
	t.Helper()
	for _, sub := range []string{"new", "cur"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, e := range entries {
			total++
			if _, flags, ok := strings.Cut(e.Name(), ":2,"); ok && strings.Contains(flags, "S") {
				seen++
			}
		}
	}
	return total, seen
}
