package sqlite_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/sqlite"
)

// clock is a settable time shared by two stores.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// twoWorkers opens one database file twice, as two processes would.
func twoWorkers(t *testing.T) (a, b *crmstore.Store, c *clock) {
	t.Helper()
	c = &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "poller.db")
	for _, s := range []**crmstore.Store{&a, &b} {
		st, err := sqlite.Open(context.Background(), path, crmstore.Options{Now: c.now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		*s = st
	}
	return a, b, c
}

// The store's leases are the suite's (storetest's Lease tests, on one
// database shared by two stores); this is SQLite's locking of one file
// opened twice, as by two processes.

// Many workers racing for one mailbox through two opens of one file:
// exactly one wins (BEGIN IMMEDIATE and the busy timeout serialise them).
func TestLeaseRaceHasOneWinner(t *testing.T) {
	ctx := context.Background()
	a, b, _ := twoWorkers(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := a
			if i%2 == 1 {
				s = b
			}
			_, ok, err := s.Acquire(ctx, "main/INBOX", "host:"+string(rune('a'+i)), time.Minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d workers got the lease, want 1", wins)
	}
}
