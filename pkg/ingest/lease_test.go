package ingest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/imapmem"
	"github.com/poller-crm/poller/pkg/imapsource"
	"github.com/poller-crm/poller/pkg/ingest"
)

// leaseRig is an in-memory mailbox of n messages and a SQLite store.
func leaseRig(t *testing.T, n int) (*imapmem.Server, ingest.Dialer, *crmstore.Store) {
	t.Helper()
	srv, err := imapmem.Start("log@crm.example.com", "pw", imapmem.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	for i := range n {
		if err := srv.Append("INBOX", bccMessage(i)); err != nil {
			t.Fatal(err)
		}
	}
	host, port, _ := strings.Cut(srv.Addr, ":")
	p := 0
	for _, c := range port {
		p = p*10 + int(c-'0')
	}
	cfg := imapsource.Config{Name: "main", Host: host, Port: p, TLS: imapsource.TLSNone, Auth: imapsource.AuthLogin,
		Username: "log@crm.example.com", Password: "pw", Timeout: 5 * time.Second}
	dial := func(ctx context.Context) (ingest.Mailbox, error) {
		c, err := imapsource.Dial(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	return srv, dial, openStore(t)
}

// stealingStore lets another worker take the lease after the first batch
// is recorded, and waits for the pass's renewal to notice.
type stealingStore struct {
	*crmstore.Store
	t     *testing.T
	ttl   time.Duration
	calls int
}

func (s *stealingStore) Record(ctx context.Context, items []ingest.Item) ([]ingest.Result, error) {
	res, err := s.Store.Record(ctx, items)
	if s.calls++; s.calls == 1 {
		if _, err := s.DB().Exec(`UPDATE leases SET holder = 'other-host:99:ffff'`); err != nil {
			s.t.Fatal(err)
		}
		time.Sleep(s.ttl / 2)
	}
	return res, err
}

func TestLostLeaseStopsThePassBeforeItAcknowledges(t *testing.T) {
	srv, dial, store := leaseRig(t, 30)
	const ttl = 300 * time.Millisecond
	st := &stealingStore{Store: store, t: t, ttl: ttl}
	lease := &ingest.LeaseOptions{Leaser: store, Mailbox: "main/INBOX", Holder: ingest.NewHolder(), TTL: ttl}
	sum, err := ingest.Pass(context.Background(), dial, rules(t), st, ingest.PassOptions{Batching: ingest.Batching{BatchSize: 10}, Lease: lease})
	if !errors.Is(err, ingest.ErrLeaseLost) {
		t.Fatalf("Pass = %s, %v; want ErrLeaseLost", sum, err)
	}
	if sum.Reconnects != 0 || st.calls != 1 {
		t.Errorf("reconnects %d, batches recorded %d; want 0 and 1", sum.Reconnects, st.calls)
	}
	if total, unseen, _ := srv.Count("INBOX"); total != 30 || unseen != 30 {
		t.Errorf("INBOX %d, %d unseen; want nothing acknowledged after the lease was lost", total, unseen)
	}
	if l, ok, _ := store.Lease(context.Background(), "main/INBOX"); !ok || l.Holder != "other-host:99:ffff" {
		t.Errorf("lease after the pass = %+v, %v; the new holder's must stay", l, ok)
	}
}

func TestBusyMailboxIsSkippedOrWaitedFor(t *testing.T) {
	ctx := context.Background()
	srv, dial, store := leaseRig(t, 5)
	if _, ok, err := store.Acquire(ctx, "main/INBOX", "other-host:99:ffff", time.Minute); err != nil || !ok {
		t.Fatal(ok, err)
	}
	dials := 0
	counting := func(ctx context.Context) (ingest.Mailbox, error) { dials++; return dial(ctx) }
	lease := ingest.LeaseOptions{Leaser: store, Mailbox: "main/INBOX", Holder: ingest.NewHolder(), PollInterval: 20 * time.Millisecond}
	_, err := ingest.Pass(ctx, counting, rules(t), store, ingest.PassOptions{Lease: &lease})
	var busy *ingest.BusyError
	if !errors.As(err, &busy) || dials != 0 {
		t.Fatalf("Pass on a busy mailbox = %v after %d dials, want a *BusyError before connecting", err, dials)
	}
	if want := "mailbox main/INBOX is being polled by other-host pid 99 since "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %q, want it to start %q", err, want)
	}

	lease.Wait = true
	go func() {
		time.Sleep(100 * time.Millisecond)
		store.Release(ctx, "main/INBOX", "other-host:99:ffff")
	}()
	sum, err := ingest.Pass(ctx, counting, rules(t), store, ingest.PassOptions{Lease: &lease})
	if err != nil || sum.Total() != 5 {
		t.Fatalf("Pass with Wait = %s, %v; want the 5 messages once the lease is free", sum, err)
	}
	if _, unseen, _ := srv.Count("INBOX"); unseen != 0 {
		t.Errorf("%d unseen after the pass", unseen)
	}
	if _, ok, _ := store.Lease(ctx, "main/INBOX"); ok {
		t.Error("the pass kept its lease after it ended")
	}
}
