package imapsource_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/crm/crmtest"
	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/imapmem"
	"github.com/poller-crm/poller/pkg/imapsource"
	"github.com/poller-crm/poller/pkg/ingest"
	"github.com/poller-crm/poller/pkg/sqlite"
)

const (
	user     = "log@crm.example.com"
	password = "s3cret"
)

// rules are the standard test rules (config.example.yaml's).
func rules(t testing.TB) *crm.Rules {
	t.Helper()
	return crmtest.Rules(t)
}

func fixtures(t testing.TB) [][]byte {
	t.Helper()
	files, _ := filepath.Glob("../../fixtures/*.eml")
	var raws [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, data)
	}
	return raws
}

func memServer(t testing.TB, opts imapmem.Options, raws [][]byte) *imapmem.Server {
	t.Helper()
	srv, err := imapmem.Start(user, password, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	for _, raw := range raws {
		if err := srv.Append("INBOX", raw); err != nil {
			t.Fatal(err)
		}
	}
	return srv
}

func config(addr string) imapsource.Config {
	host, port, _ := strings.Cut(addr, ":")
	p := 0
	for _, c := range port {
		p = p*10 + int(c-'0')
	}
	return imapsource.Config{Name: "main", Host: host, Port: p, TLS: imapsource.TLSNone, Auth: imapsource.AuthLogin,
		Username: user, Password: password, RejectedFolder: "Rejected", Timeout: 5 * time.Second}
}

func dialer(cfg imapsource.Config) ingest.Dialer {
	return func(ctx context.Context) (ingest.Mailbox, error) {
		c, err := imapsource.Dial(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
}

func openStore(t testing.TB) *crmstore.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "poller.db"), crmstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func count(t testing.TB, s *crmstore.Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPassLogsTheMailboxAndMarksOnlyAfterCommit(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts imapmem.Options
	}{{"MOVE", imapmem.Options{}}, {"COPY and EXPUNGE", imapmem.Options{NoMove: true}}} {
		t.Run(tc.name, func(t *testing.T) {
			raws := fixtures(t)
			srv := memServer(t, tc.opts, raws)
			store := openStore(t)
			sum, err := ingest.Pass(context.Background(), dialer(config(srv.Addr)), rules(t), store, ingest.PassOptions{Batching: ingest.Batching{BatchSize: 16}})
			if err != nil {
				t.Fatalf("Pass: %v", err)
			}
			if sum.Seen != len(raws) || sum.Total() != len(raws) || sum.Failed != 0 {
				t.Fatalf("summary = %s, want all %d messages settled", sum, len(raws))
			}
			inbox, unseen, _ := srv.Count("INBOX")
			rejected, _, _ := srv.Count("Rejected")
			if unseen != 0 || rejected != sum.Rejected || inbox != len(raws)-sum.Rejected {
				t.Errorf("INBOX %d (unseen %d), Rejected %d; want every message seen and the %d rejections moved", inbox, unseen, rejected, sum.Rejected)
			}
			if n := count(t, store, `SELECT count(*) FROM intake WHERE mailbox = 'main/INBOX' AND uid > 0 AND uidvalidity > 0`); n != len(raws) {
				t.Errorf("intake rows with an IMAP origin = %d, want %d", n, len(raws))
			}
			again, err := ingest.Pass(context.Background(), dialer(config(srv.Addr)), rules(t), store, ingest.PassOptions{})
			if err != nil || again.Seen != 0 {
				t.Errorf("second pass = %s, %v; want nothing to do", again, err)
			}
		})
	}
}

func TestFetchDoesNotMarkSeen(t *testing.T) {
	srv := memServer(t, imapmem.Options{}, fixtures(t)[:3])
	c, err := imapsource.Dial(context.Background(), config(srv.Addr))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	uids, err := c.Unseen(context.Background())
	if err != nil || len(uids) != 3 {
		t.Fatalf("Unseen = %v, %v", uids, err)
	}
	msgs, err := c.Fetch(context.Background(), uids)
	if err != nil || len(msgs) != 3 || len(msgs[0].Raw) == 0 {
		t.Fatalf("Fetch = %d messages, %v", len(msgs), err)
	}
	if _, unseen, _ := srv.Count("INBOX"); unseen != 3 {
		t.Errorf("unseen after fetch = %d, want 3: fetching must not set \\Seen", unseen)
	}
}

func TestLoginRefused(t *testing.T) {
	srv := memServer(t, imapmem.Options{}, nil)
	cfg := config(srv.Addr)
	cfg.Password = "wrong"
	_, err := imapsource.Dial(context.Background(), cfg)
	if !errors.Is(err, imapsource.ErrAuth) {
		t.Fatalf("Dial with a wrong password = %v, want ErrAuth", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("the error shows the password: %v", err)
	}
}

func TestPlainTextRefusedOffLoopback(t *testing.T) {
	cfg := config("imap.example.com:143")
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "allow_insecure") {
		t.Errorf("Validate = %v, want plain text to a remote host refused", err)
	}
	cfg.AllowInsecure = true
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate with allow_insecure = %v", err)
	}
}

// flakyStore makes one message fail to process on every pass, as a bug
// would, around a real store.
type flakyStore struct {
	*crmstore.Store
	poison string
}

func (f flakyStore) Record(ctx context.Context, items []ingest.Item) ([]ingest.Result, error) {
	for i := range items {
		if strings.Contains(string(items[i].Raw), f.poison) {
			items[i].Failure = errors.New("simulated processing failure")
		}
	}
	return f.Store.Record(ctx, items)
}

func TestRepeatedFailureIsQuarantined(t *testing.T) {
	raws := fixtures(t)[:5]
	srv := memServer(t, imapmem.Options{}, raws)
	store := flakyStore{openStore(t), "Message-ID: <" + messageID(raws[2]) + ">"}
	for pass := 1; pass <= 3; pass++ {
		sum, err := ingest.Pass(context.Background(), dialer(config(srv.Addr)), rules(t), store, ingest.PassOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, unseen, _ := srv.Count("INBOX")
		switch pass {
		case 1, 2:
			if sum.Failed != 1 || unseen != 1 || sum.Quarantined != 0 {
				t.Fatalf("pass %d: %s, unseen %d; want the failing message left unseen", pass, sum, unseen)
			}
		case 3:
			if sum.Quarantined != 1 || unseen != 0 {
				t.Fatalf("pass 3: %s, unseen %d; want it quarantined", sum, unseen)
			}
		}
	}
	if n := count(t, store.Store, `SELECT count(*) FROM intake WHERE outcome = 'failed' AND detail LIKE 'simulated%'`); n != 3 {
		t.Errorf("failed intake rows = %d, want 3", n)
	}
	if n, _, _ := srv.Count("Rejected"); n < 1 {
		t.Errorf("the quarantined message is not in the rejected folder")
	}
}

func messageID(raw []byte) string {
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(strings.ToLower(line), "message-id:") {
			return strings.Trim(strings.TrimSpace(line[len("message-id:"):]), "<>")
		}
	}
	return ""
}

// TestChangedUIDValidityNeverRelogs: the mailbox is rebuilt (new
// UIDVALIDITY, the same messages unseen again): the next pass recognises
// every email by its Message-ID and logs nothing twice.
func TestChangedUIDValidityNeverRelogs(t *testing.T) {
	raws := fixtures(t)[:30]
	srv := memServer(t, imapmem.Options{}, raws)
	store := openStore(t)
	first, err := ingest.Pass(context.Background(), dialer(config(srv.Addr)), rules(t), store, ingest.PassOptions{})
	if err != nil {
		t.Fatal(err)
	}
	emails := count(t, store, `SELECT count(*) FROM emails`)
	if err := srv.Recreate("INBOX"); err != nil {
		t.Fatal(err)
	}
	for _, raw := range raws {
		srv.Append("INBOX", raw)
	}
	var logs strings.Builder
	second, err := ingest.Pass(context.Background(), dialer(config(srv.Addr)), rules(t), store,
		ingest.PassOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if second.Logged != 0 || second.Duplicate != first.Logged+first.Duplicate {
		t.Errorf("after the UIDVALIDITY change: %s; want every logged email a duplicate (first pass: %s)", second, first)
	}
	if got := count(t, store, `SELECT count(*) FROM emails`); got != emails {
		t.Errorf("emails = %d, want %d", got, emails)
	}
	if !strings.Contains(logs.String(), "UIDVALIDITY changed") {
		t.Errorf("the change was not logged:\n%s", logs.String())
	}
}

// TestTooLargeMessageIsNeverFetchedWhole: a message over the size limit is
// decided from its header section alone (rejected too_large) and left,
// whole, in the rejected folder; the one beside it is logged.
func TestTooLargeMessageIsNeverFetchedWhole(t *testing.T) {
	big := "From: alice@example.com\r\nTo: dana@prospect.example\r\nBcc: log@crm.example.com\r\nSubject: the dataset\r\nMessage-ID: <big@example.com>\r\n\r\n" +
		strings.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n", 40000) // ~2.6 MB
	small := "From: alice@example.com\r\nTo: dana@prospect.example\r\nBcc: log@crm.example.com\r\nSubject: hello\r\nMessage-ID: <small@example.com>\r\n\r\nhi\r\n"
	srv := memServer(t, imapmem.Options{}, [][]byte{[]byte(big), []byte(small)})
	r := crmtest.Rules(t, func(c *crm.Config) { c.MaxMessageSize = 1 << 20 })
	store := openStore(t)
	sum, err := ingest.Pass(context.Background(), dialer(config(srv.Addr)), r, store, ingest.PassOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Logged != 1 || sum.ByReason[crm.ReasonTooLarge] != 1 {
		t.Fatalf("summary = %s, want one logged and one too_large", sum)
	}
	var stored int64
	store.DB().QueryRow(`SELECT b.size FROM intake i JOIN blobs b ON b.sha256 = i.raw_sha256 WHERE i.reason = 'too_large'`).Scan(&stored)
	if stored == 0 || stored > 4096 {
		t.Errorf("stored %d bytes for the too-large message, want its header section only", stored)
	}
	if n, _, _ := srv.Count("Rejected"); n != 1 {
		t.Errorf("Rejected holds %d messages, want the large one, whole", n)
	}
}
