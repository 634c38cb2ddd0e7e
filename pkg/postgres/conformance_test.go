package postgres_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/crmstore/storetest"
	"github.com/poller-crm/poller/pkg/pgtest"
	"github.com/poller-crm/poller/pkg/postgres"
	"github.com/poller-crm/poller/pkg/sqlite"
)

// pg is the test binary's PostgreSQL server, with a database per test.
var pg pgtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	if err := pg.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

// openPostgres opens a store on a fresh database of the shared server. It
// skips t when PostgreSQL is not installed, unless CI is "true".
func openPostgres(t testing.TB, opts crmstore.Options) *crmstore.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), pg.Server(t).NewDatabase(t), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openSQLite opens a store on a fresh SQLite file.
func openSQLite(t testing.TB, opts crmstore.Options) *crmstore.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "poller.db"), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestConformance runs the store's conformance suite on PostgreSQL, each
// test on a database of its own.
func TestConformance(t *testing.T) {
	storetest.Run(t, openPostgres)
}

// TestSameInputSameExport records one corpus (the fixtures, imported
// companies, contacts and deals, tags, threads, rejections, a reprocess
// run and intake actions) into a SQLite store and a PostgreSQL store on
// the same fixed clock, and requires the same export of both, ids, times
// and bodies included.
func TestSameInputSameExport(t *testing.T) {
	ctx := context.Background()
	opts := crmstore.Options{Now: storetest.CorpusNow}
	lite, post := openSQLite(t, opts), openPostgres(t, opts)
	storetest.Corpus(t, lite)
	storetest.Corpus(t, post)
	for _, bodies := range []bool{false, true} {
		export := (*crmstore.Store).Export
		if bodies {
			export = (*crmstore.Store).ExportWithBodies
		}
		a, err := export(lite, ctx)
		if err != nil {
			t.Fatalf("SQLite export: %v", err)
		}
		b, err := export(post, ctx)
		if err != nil {
			t.Fatalf("PostgreSQL export: %v", err)
		}
		if len(a.Emails) < 20 {
			t.Fatalf("SQLite export: %d emails, want the corpus", len(a.Emails))
		}
		if d := storetest.DiffExports(a, b); d != "" {
			t.Errorf("with bodies %v: SQLite's export, then PostgreSQL's:\n%s", bodies, d)
		}
	}
}
