package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/crmstore/storetest"
	"github.com/poller-crm/poller/pkg/sqlite"
)

// The store's leases are the suite's (storetest's Lease tests, on one
// database shared by two stores); this is SQLite's locking of one file
// opened twice, as by two processes.

// Many workers racing for one mailbox through two opens of one file:
// exactly one wins (BEGIN IMMEDIATE and the busy timeout serialise them).
func TestLeaseRaceHasOneWinner(t *testing.T) {
	path := filepath.Join(t.TempDir(), "poller.db")
	var opens [2]*crmstore.Store
	for i := range opens {
		s, err := sqlite.Open(context.Background(), path, crmstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		opens[i] = s
	}
	storetest.LeaseRace(t, opens[0], opens[1])
}
