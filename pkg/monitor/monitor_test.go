package monitor

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/ingest"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestMetricsParseAndCount(t *testing.T) {
	m := New(Options{StoreSize: func() int64 { return 4096 }})
	sum := ingest.PassSummary{Summary: ingest.Summary{Logged: 3, Rejected: 2, Duplicate: 1,
		ByReason: map[crm.Reason]int{crm.ReasonSenderNotUser: 2}}, Reconnects: 1, Duration: 2 * time.Second}
	m.ObservePass("main", sum, nil)
	m.ObservePass("main", sum, nil)

	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics is not Prometheus text format: %v", err)
	}
	value := func(name string, labels map[string]string) float64 {
		t.Helper()
		f, ok := families[name]
		if !ok {
			t.Fatalf("no metric %s", name)
		}
	next:
		for _, metric := range f.Metric {
			for _, lp := range metric.Label {
				if want, ok := labels[lp.GetName()]; ok && want != lp.GetValue() {
					continue next
				}
			}
			switch {
			case metric.Counter != nil:
				return metric.Counter.GetValue()
			case metric.Gauge != nil:
				return metric.Gauge.GetValue()
			case metric.Histogram != nil:
				return float64(metric.Histogram.GetSampleCount())
			}
		}
		t.Fatalf("no %s with %v", name, labels)
		return 0
	}
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"poller_messages_total", map[string]string{"outcome": "logged"}, 6},
		{"poller_messages_total", map[string]string{"outcome": "rejected", "reason": "sender_not_user"}, 4},
		{"poller_passes_total", map[string]string{"result": "ok"}, 2},
		{"poller_pass_duration_seconds", map[string]string{"mailbox": "main"}, 2},
		{"poller_imap_reconnects_total", map[string]string{"mailbox": "main"}, 2},
		{"poller_store_size_bytes", nil, 4096},
	}
	for _, c := range checks {
		if got := value(c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if value("poller_last_successful_pass_timestamp_seconds", map[string]string{"mailbox": "main"}) == 0 {
		t.Error("last successful pass time not set")
	}
}

func healthz(t *testing.T, m *Monitor) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	body, _ := io.ReadAll(rec.Body)
	return rec.Code, string(body)
}

func TestHealth(t *testing.T) {
	c := &clock{t: time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)}
	m := New(Options{Interval: 5 * time.Minute, MaxFailures: 3, Now: c.now})
	if code, _ := healthz(t, m); code != 200 {
		t.Errorf("fresh start: %d, want 200", code)
	}
	c.t = c.t.Add(16 * time.Minute) // no pass within three intervals
	if code, body := healthz(t, m); code != 503 || !strings.Contains(body, "no pass finished") {
		t.Errorf("late: %d %q, want 503 naming the delay", code, body)
	}
	m.ObservePass("main", ingest.PassSummary{}, nil)
	if code, _ := healthz(t, m); code != 200 {
		t.Errorf("after a pass: %d, want 200", code)
	}
	for i := range 3 {
		m.ObservePass("main", ingest.PassSummary{}, errors.New("login refused"))
		code, body := healthz(t, m)
		if want := map[bool]int{true: 503, false: 200}[i == 2]; code != want {
			t.Errorf("after %d failures: %d %q, want %d", i+1, code, body, want)
		}
	}
	m.ObservePass("main", ingest.PassSummary{}, nil)
	if code, _ := healthz(t, m); code != 200 {
		t.Errorf("after a success: %d, want 200 again", code)
	}
}
