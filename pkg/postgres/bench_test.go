package postgres_test

import (
	"testing"

	"github.com/poller-crm/poller/pkg/crmstore/storetest"
)

// BenchmarkRecordFixtures is Store.Record on PostgreSQL, beside
// pkg/sqlite's benchmark of the same name. The test server runs with
// fsync off (pkg/pgtest): the figure is PostgreSQL's CPU and round trips,
// not a disk's flush.
func BenchmarkRecordFixtures(b *testing.B) {
	storetest.BenchRecord(b, openPostgres)
}

// BenchmarkRecordGenerated is Store.Record on PostgreSQL with the mail
// "poller bench" delivers (storetest.BenchRecordGenerated).
func BenchmarkRecordGenerated(b *testing.B) {
	storetest.BenchRecordGenerated(b, openPostgres)
}
