package crm

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/poller-crm/poller/pkg/email"
)

// BenchmarkExplainFixtures measures the whole explain decision, MIME parse
// included, over the typical (< 20 KB) messages of fixtures/.
func BenchmarkExplainFixtures(b *testing.B) {
	files, err := filepath.Glob("../../fixtures/*.eml")
	if err != nil || len(files) == 0 {
		b.Skip("no fixtures")
	}
	var msgs [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		if len(data) < 20<<10 {
			msgs = append(msgs, data)
		}
	}
	r, err := NewRules(testConfig())
	if err != nil {
		b.Fatal(err)
	}
	// One op is one message, so B/op and allocs/op are per message.
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m, err := email.Parse(bytes.NewReader(msgs[i%len(msgs)]))
		if err == nil {
			r.Decide(m)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
