// Package monitor is what an operator watches while "poller run" works:
// Prometheus metrics (messages by outcome and reason, pass durations, last
// successful pass, IMAP reconnects, store size) and a health verdict, both
// served over HTTP (/metrics, /healthz).
package monitor

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/poller-crm/poller/pkg/ingest"
)

// Options tune the health verdict.
type Options struct {
	// Interval is the time between scheduled passes: health fails when no
	// pass finished within three of them.
	Interval time.Duration
	// MaxFailures is how many passes in a row may fail before health fails
	// (3).
	MaxFailures int
	// StoreSize reports the database's size in bytes.
	StoreSize func() int64
	Now       func() time.Time
}

// Monitor collects pass outcomes. It is safe for concurrent use.
type Monitor struct {
	opts     Options
	registry *prometheus.Registry

	messages   *prometheus.CounterVec
	passes     *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	lastOK     *prometheus.GaugeVec
	reconnects *prometheus.CounterVec

	mu           sync.Mutex
	started      time.Time
	lastFinished time.Time
	failures     map[string]int // failed passes in a row, per mailbox
}

// New makes a Monitor with its own registry (no global state).
func New(opts Options) *Monitor {
	if opts.MaxFailures <= 0 {
		opts.MaxFailures = 3
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	m := &Monitor{
		opts:     opts,
		registry: prometheus.NewRegistry(),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "poller_messages_total",
			Help: "Messages processed, by mailbox, outcome (logged, rejected, duplicate, failed) and rejection reason.",
		}, []string{"mailbox", "outcome", "reason"}),
		passes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "poller_passes_total",
			Help: "Passes over a mailbox, by result (ok, failed).",
		}, []string{"mailbox", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "poller_pass_duration_seconds",
			Help:    "How long a pass over a mailbox took.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}, []string{"mailbox"}),
		lastOK: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "poller_last_successful_pass_timestamp_seconds",
			Help: "When the last pass over a mailbox that finished ended (Unix time).",
		}, []string{"mailbox"}),
		reconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "poller_imap_reconnects_total",
			Help: "IMAP reconnections after a dropped connection or a timeout.",
		}, []string{"mailbox"}),
		started:  opts.Now(),
		failures: map[string]int{},
	}
	m.registry.MustRegister(m.messages, m.passes, m.duration, m.lastOK, m.reconnects,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if opts.StoreSize != nil {
		m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "poller_store_size_bytes",
			Help: "Size of the SQLite database on disk, WAL included.",
		}, func() float64 { return float64(opts.StoreSize()) }))
	}
	return m
}

// ObservePass records a pass's outcome.
func (m *Monitor) ObservePass(mailbox string, sum ingest.PassSummary, err error) {
	add := func(outcome, reason string, n int) {
		if n > 0 {
			m.messages.WithLabelValues(mailbox, outcome, reason).Add(float64(n))
		}
	}
	add("logged", "", sum.Logged)
	add("duplicate", "", sum.Duplicate)
	add("failed", "", sum.Failed)
	for reason, n := range sum.ByReason {
		add("rejected", string(reason), n)
	}
	m.duration.WithLabelValues(mailbox).Observe(sum.Duration.Seconds())
	if sum.Reconnects > 0 {
		m.reconnects.WithLabelValues(mailbox).Add(float64(sum.Reconnects))
	}
	now := m.opts.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		m.passes.WithLabelValues(mailbox, "failed").Inc()
		m.failures[mailbox]++
		return
	}
	m.passes.WithLabelValues(mailbox, "ok").Inc()
	m.failures[mailbox] = 0
	m.lastFinished = now
	m.lastOK.WithLabelValues(mailbox).Set(float64(now.Unix()))
}

// Health returns nil when poller is healthy, else why not: the last
// MaxFailures passes over a mailbox failed, or no pass finished within
// three intervals (counted from the start for the first pass).
func (m *Monitor) Health() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for mailbox, n := range m.failures {
		if n >= m.opts.MaxFailures {
			return fmt.Errorf("the last %d passes over %s failed", n, mailbox)
		}
	}
	if m.opts.Interval > 0 {
		since := m.lastFinished
		if since.IsZero() {
			since = m.started
		}
		if late := m.opts.Now().Sub(since); late > 3*m.opts.Interval {
			return fmt.Errorf("no pass finished for %s (the schedule's interval is %s)", late.Round(time.Second), m.opts.Interval)
		}
	}
	return nil
}

// Handler serves /healthz (200 "ok", or 503 with the reason) and /metrics
// (Prometheus text format).
func (m *Monitor) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := m.Health(); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "unhealthy:", err)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
	return mux
}
