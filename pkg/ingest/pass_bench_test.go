package ingest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/crm/crmtest"
	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/imapmem"
	"github.com/poller-crm/poller/pkg/imapsource"
	"github.com/poller-crm/poller/pkg/ingest"
	"github.com/poller-crm/poller/pkg/sqlite"
)

// passStore is the store a benchmarked or instrumented pass records into.
type passStore interface {
	ingest.Store
	Close() error
}

// openPassStore opens a fresh SQLite store in dir. It is the one place this
// file names the store package's API (being refactored): change it here.
func openPassStore(tb testing.TB, dir string) passStore {
	tb.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(dir, "poller.db"), crmstore.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

var fixtureMessageID = regexp.MustCompile(`(?im)^message-id:`)

// passMessages makes n distinct messages from the fixtures: each gets a
// first header "Message-ID: <tag-N@poller.test>", the fixture's own renamed.
func passMessages(tb testing.TB, tag string, n int) [][]byte {
	tb.Helper()
	files, _ := filepath.Glob("../../fixtures/*.eml")
	if len(files) == 0 {
		tb.Fatal("no fixtures")
	}
	raws := make([][]byte, n)
	for i := range raws {
		data, err := os.ReadFile(files[i%len(files)])
		if err != nil {
			tb.Fatal(err)
		}
		data = fixtureMessageID.ReplaceAll(data, []byte("X-Fixture-Message-ID:"))
		raws[i] = append([]byte(fmt.Sprintf("Message-ID: <%s-%d@poller.test>\r\n", tag, i)), data...)
	}
	return raws
}

// memMailbox starts an in-memory IMAP server holding raws in INBOX and
// returns it with a dialer for it (rejections filed in Rejected).
func memMailbox(tb testing.TB, raws [][]byte) (*imapmem.Server, ingest.Dialer) {
	tb.Helper()
	const user, password = "log@crm.example.com", "pw"
	srv, err := imapmem.Start(user, password, imapmem.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	for _, raw := range raws {
		if err := srv.Append("INBOX", raw); err != nil {
			tb.Fatal(err)
		}
	}
	host, port, _ := strings.Cut(srv.Addr, ":")
	p, _ := strconv.Atoi(port)
	cfg := imapsource.Config{Name: "main", Host: host, Port: p, TLS: imapsource.TLSNone, Auth: imapsource.AuthLogin,
		Username: user, Password: password, RejectedFolder: "Rejected", Timeout: 10 * time.Second}
	dial := func(ctx context.Context) (ingest.Mailbox, error) {
		c, err := imapsource.Dial(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	return srv, dial
}

// BenchmarkPass measures the wall time of one whole pass over an
// in-memory IMAP mailbox of 400 fixture messages into a fresh SQLite store
// (fetch, parse and decide, commit, mark \Seen and file); one op is one
// pass. Setting up the mailbox and the store is not timed.
func BenchmarkPass(b *testing.B) {
	const n = 400
	rules := crmtest.Rules(b)
	for _, batch := range []int{10, ingest.DefaultBatchSize} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			var msgs int
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				srv, dial := memMailbox(b, passMessages(b, fmt.Sprintf("bench%d", i), n))
				store := openPassStore(b, b.TempDir())
				b.StartTimer()
				sum, err := ingest.Pass(context.Background(), dial, rules, store, ingest.PassOptions{Batching: ingest.Batching{BatchSize: batch}})
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				if sum.Total() != n || sum.Failed != 0 {
					b.Fatalf("pass settled %s, want all %d messages", sum, n)
				}
				if _, unseen, _ := srv.Count("INBOX"); unseen != 0 {
					b.Fatalf("%d messages left unseen", unseen)
				}
				msgs += n
				store.Close()
				srv.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(msgs)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
