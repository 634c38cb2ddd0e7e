package storetest

import (
	"context"
	"testing"

	"github.com/poller-crm/poller/pkg/crmstore"
)

// benchBatch is the batch BenchRecord records in: fixed, so that figures
// compare across changes of the default.
const benchBatch = 50

// BenchRecord measures Store.Record on a fresh store from open: the
// fixtures (decided beforehand, each a new email) recorded in batches of
// benchBatch, one op per message, reported as msgs/s too.
func BenchRecord(b *testing.B, open Opener) {
	items := FixtureItems(b, b.N)
	s := open(b, crmstore.Options{})
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < len(items); i += benchBatch {
		if _, err := s.Record(ctx, items[i:min(i+benchBatch, len(items))]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
