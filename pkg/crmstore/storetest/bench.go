package storetest

import (
	"context"
	"testing"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/ingest"
)

// BenchRecord measures Store.Record on a fresh store from open: the
// fixtures (decided beforehand, each a new email) recorded in batches of
// ingest.DefaultBatchSize (a pass's), one op per message, reported as msgs/s too.
func BenchRecord(b *testing.B, open Opener) {
	items := FixtureItems(b, b.N)
	s := open(b, crmstore.Options{})
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < len(items); i += ingest.DefaultBatchSize {
		if _, err := s.Record(ctx, items[i:min(i+ingest.DefaultBatchSize, len(items))]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
