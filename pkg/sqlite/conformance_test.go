package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/crmstore/storetest"
	"github.com/poller-crm/poller/pkg/sqlite"
)

// TestConformance runs the store's conformance suite on SQLite, each test
// on a database file of its own.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t testing.TB, opts crmstore.Options) *crmstore.Store {
		t.Helper()
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "data", "poller.db"), opts)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
