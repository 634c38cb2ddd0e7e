package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/ingest"
)

// clock is a settable time shared by two stores.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// twoWorkers are two stores on one database, as two workers would have:
// each with its own leases (and, with session locks, its own
// connections), on the same clock.
func twoWorkers(t *testing.T, open Opener) (a, b *crmstore.Store, c *clock) {
	t.Helper()
	c = &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	opts := crmstore.Options{Now: c.now}
	a = open(t, opts)
	b = crmstore.New(a.DB(), a.Dialect(), opts)
	// b's Close gives up its leases and closes the database, before a's
	// (closing a database twice is harmless).
	t.Cleanup(func() { b.Close() })
	return a, b, c
}

func testLeaseOneHolderAtATime(t *testing.T, open Opener) {
	ctx := context.Background()
	a, b, c := twoWorkers(t, open)
	const mb, ttl = "main/INBOX", 2 * time.Minute
	if _, ok, err := a.Acquire(ctx, mb, "host-a:1:aa", ttl); err != nil || !ok {
		t.Fatalf("first Acquire = %v, %v; want the lease", ok, err)
	}
	cur, ok, err := b.Acquire(ctx, mb, "host-b:2:bb", ttl)
	if err != nil || ok {
		t.Fatalf("second holder's Acquire = %v, %v; want refused", ok, err)
	}
	if cur.Holder != "host-a:1:aa" || !cur.Since.Equal(c.now()) || !cur.Expires.Equal(c.now().Add(ttl)) {
		t.Errorf("refusal names %+v, want host-a's lease since now for %s", cur, ttl)
	}
	// Another mailbox is free: mailboxes spread across workers.
	if _, ok, err := b.Acquire(ctx, "other/INBOX", "host-b:2:bb", ttl); err != nil || !ok {
		t.Errorf("Acquire of another mailbox = %v, %v; want it", ok, err)
	}
	// Renewed, the lease outlives its first TTL.
	c.add(ttl - time.Second)
	if err := a.Renew(ctx, mb, "host-a:1:aa", ttl); err != nil {
		t.Fatalf("Renew: %v", err)
	}
	c.add(ttl - time.Second)
	if _, ok, _ := b.Acquire(ctx, mb, "host-b:2:bb", ttl); ok {
		t.Fatal("a renewed lease was taken")
	}
	// Released, it is free at once.
	if err := b.Release(ctx, mb, "host-b:2:bb"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := b.Acquire(ctx, mb, "host-b:2:bb", ttl); ok {
		t.Fatal("another holder's Release freed the lease")
	}
	if err := a.Release(ctx, mb, "host-a:1:aa"); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := b.Acquire(ctx, mb, "host-b:2:bb", ttl); err != nil || !ok {
		t.Fatalf("Acquire after Release = %v, %v; want the lease", ok, err)
	}
}

// testLeaseExpiresAndIsLost: without session locks a lease is its
// expiry, and a stalled holder loses it to another once it has run out.
// With them (Dialect.Locks), the lock decides: a lease is held for as
// long as its holder's session lives, however long it stalls, and is free
// once released.
func testLeaseExpiresAndIsLost(t *testing.T, open Opener) {
	ctx := context.Background()
	a, b, c := twoWorkers(t, open)
	const mb, ttl = "main/INBOX", 2 * time.Minute
	if _, ok, err := a.Acquire(ctx, mb, "host-a:1:aa", ttl); err != nil || !ok {
		t.Fatalf("Acquire = %v, %v", ok, err)
	}
	c.add(ttl) // host-a stalled: its lease ran out
	if a.Dialect().Locks != nil {
		if _, ok, err := b.Acquire(ctx, mb, "host-b:2:bb", ttl); err != nil || ok {
			t.Fatalf("Acquire of an expired lease whose holder's session lives = %v, %v; want refused", ok, err)
		}
		if err := a.Renew(ctx, mb, "host-a:1:aa", ttl); err != nil {
			t.Fatalf("Renew of an expired lease still locked = %v, want nil", err)
		}
		if err := a.Release(ctx, mb, "host-a:1:aa"); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := b.Acquire(ctx, mb, "host-b:2:bb", ttl); err != nil || !ok {
			t.Fatalf("Acquire after Release = %v, %v; want it", ok, err)
		}
		if err := a.Renew(ctx, mb, "host-a:1:aa", ttl); !errors.Is(err, ingest.ErrLeaseLost) {
			t.Errorf("Renew of a lease taken by another = %v, want ErrLeaseLost", err)
		}
		l, ok, err := a.Lease(ctx, mb)
		if err != nil || !ok || l.Holder != "host-b:2:bb" || !l.Expires.Equal(c.now().Add(ttl)) {
			t.Errorf("Lease = %+v, %v, %v; want host-b's", l, ok, err)
		}
		return
	}
	if _, ok, err := b.Acquire(ctx, mb, "host-b:2:bb", ttl); err != nil || !ok {
		t.Fatalf("Acquire of an expired lease = %v, %v; want it", ok, err)
	}
	if err := a.Renew(ctx, mb, "host-a:1:aa", ttl); !errors.Is(err, ingest.ErrLeaseLost) {
		t.Errorf("Renew of a lease taken by another = %v, want ErrLeaseLost", err)
	}
	if _, ok, _ := a.Acquire(ctx, mb, "host-a:1:aa", ttl); ok {
		t.Error("the old holder took the lease back from a live holder")
	}
	// An expired lease nobody took is still its holder's to renew.
	c.add(ttl + time.Second)
	if err := b.Renew(ctx, mb, "host-b:2:bb", ttl); err != nil {
		t.Errorf("Renew of an expired lease nobody took = %v, want nil", err)
	}
	l, ok, err := a.Lease(ctx, mb)
	if err != nil || !ok || l.Holder != "host-b:2:bb" || !l.Expires.Equal(c.now().Add(ttl)) {
		t.Errorf("Lease = %+v, %v, %v; want host-b's, renewed", l, ok, err)
	}
}

// testLeaseRaceHasOneWinner: many workers racing for one mailbox, exactly
// one wins.
func testLeaseRaceHasOneWinner(t *testing.T, open Opener) {
	a, b, _ := twoWorkers(t, open)
	LeaseRace(t, a, b)
}

// LeaseRace has eight workers, on a and b in turn, race for one
// mailbox's lease, and requires that exactly one gets it.
func LeaseRace(t *testing.T, a, b *crmstore.Store) {
	t.Helper()
	ctx := context.Background()
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
