package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/crm/crmtest"
	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/ingest"
	"github.com/poller-crm/poller/pkg/sqlite"
)

// rules are the standard test rules (config.example.yaml's).
func rules(t testing.TB) *crm.Rules {
	t.Helper()
	return crmtest.Rules(t)
}

// memSource serves raw messages from memory.
type memSource struct {
	raws [][]byte
	next int
}

func (m *memSource) Next(ctx context.Context) (ingest.Origin, []byte, int64, error) {
	if m.next >= len(m.raws) {
		return ingest.Origin{}, nil, 0, io.EOF
	}
	m.next++
	return ingest.Origin{Path: fmt.Sprintf("mem/%d", m.next)}, m.raws[m.next-1], 0, nil
}

func bccMessage(i int) []byte {
	return []byte(fmt.Sprintf("From: alice@example.com\r\nTo: p%d@prospect.example\r\nBcc: log@crm.example.com\r\nMessage-ID: <m%d@example.com>\r\nSubject: s%d\r\n\r\nhello\r\n", i, i, i))
}

func openStore(t testing.TB) *crmstore.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "poller.db"), crmstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestRunRecordsEveryMessageInOrder(t *testing.T) {
	src := &memSource{}
	for i := range 150 {
		src.raws = append(src.raws, bccMessage(i))
	}
	src.raws = append(src.raws, []byte("From: stranger@x.example\r\nTo: log@crm.example.com\r\n\r\nhi\r\n"))
	var progress []int
	sum, err := ingest.Run(context.Background(), src, rules(t), openStore(t), ingest.Options{Batching: ingest.Batching{BatchSize: 64}, Progress: func(s ingest.Summary) { progress = append(progress, s.Total()) }})
	if err != nil {
		t.Fatal(err)
	}
	if got := sum.String(); got != "logged 150, rejected 1 (sender_not_user 1), duplicate 0, failed 0" {
		t.Errorf("summary = %q", got)
	}
	if fmt.Sprint(progress) != "[64 128 151]" {
		t.Errorf("progress calls = %v, want one per batch", progress)
	}
}

// failingStore refuses every batch, as a full disk would.
type failingStore struct{ calls int }

func (f *failingStore) Record(ctx context.Context, items []ingest.Item) ([]ingest.Result, error) {
	f.calls++
	return nil, errors.New("database or disk is full")
}

func TestRunStopsAtAStoreError(t *testing.T) {
	src := &memSource{}
	for i := range 200 {
		src.raws = append(src.raws, bccMessage(i))
	}
	store := &failingStore{}
	sum, err := ingest.Run(context.Background(), src, rules(t), store, ingest.Options{Batching: ingest.Batching{BatchSize: 10}})
	if err == nil || !strings.Contains(err.Error(), "disk is full") {
		t.Fatalf("Run error = %v, want the store's", err)
	}
	if store.calls != 1 || sum.Total() != 0 {
		t.Errorf("store called %d times, summary %v: want a stop at the first failure with nothing counted", store.calls, sum)
	}
}

func TestProcessTurnsAPanicIntoAFailure(t *testing.T) {
	it := ingest.Process(nil, ingest.Origin{Path: "x"}, bccMessage(1)) // nil rules: Decide panics
	if it.Failure == nil || !strings.Contains(it.Failure.Error(), "panic") {
		t.Fatalf("Failure = %v, want a recovered panic", it.Failure)
	}
}

func TestProcessMalformedIsARejection(t *testing.T) {
	it := ingest.Process(rules(t), ingest.Origin{Path: "x"}, []byte("\x00\x01"))
	if it.Failure != nil || it.Decision.Reason != crm.ReasonMalformed {
		t.Errorf("Process(garbage) = %+v, want a malformed rejection", it.Decision)
	}
}

// BenchmarkIngestFixtures measures the whole pipeline (parse, decide,
// record) over the fixtures into a fresh store; one op is one message.
func BenchmarkIngestFixtures(b *testing.B) {
	files, _ := filepath.Glob("../../fixtures/*.eml")
	var raws [][]byte
	for i := 0; len(raws) < b.N; i++ {
		data, err := os.ReadFile(files[i%len(files)])
		if err != nil {
			b.Fatal(err)
		}
		raws = append(raws, append([]byte(fmt.Sprintf("Message-ID: <bench-%d@example.com>\r\n", i)), data...))
	}
	r := crmtest.Rules(b)
	store := openStore(b)
	b.ResetTimer()
	if _, err := ingest.Run(context.Background(), &memSource{raws: raws}, r, store, ingest.Options{}); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
