package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/poller-crm/poller/pkg/bench"
	"github.com/poller-crm/poller/pkg/crm/crmtest"
	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/ingest"
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

// BenchRecordGenerated measures Store.Record on a fresh store from open
// with the mail "poller bench" delivers (pkg/bench's small set: distinct
// senders, companies and bodies, some attachments), decided beforehand and
// recorded in batches of benchBatch; one op per message. Unlike the
// fixtures, nearly every message creates contacts and a company, as the
// first pass over a real mailbox does.
func BenchRecordGenerated(b *testing.B, open Opener) {
	rules := crmtest.Rules(b)
	msgs := bench.Messages(bench.Small, 1, b.N)
	items := make([]ingest.Item, len(msgs))
	for i, m := range msgs {
		items[i] = ingest.Process(rules, ingest.Origin{Path: fmt.Sprintf("bench/%d.eml", i)}, m.Raw)
	}
	s := open(b, crmstore.Options{})
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < len(items); i += benchBatch {
		res, err := s.Record(ctx, items[i:min(i+benchBatch, len(items))])
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res {
			if r.Outcome != ingest.OutcomeLogged {
				b.Fatalf("a generated message was not logged: %+v", r)
			}
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
