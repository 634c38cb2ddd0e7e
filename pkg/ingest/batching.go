package ingest

// Batching sizes what a pass or a run commits in one transaction. Zero
// values take the defaults.
type Batching struct {
	// BatchSize is the most messages fetched and committed together (200).
	BatchSize int
	// BatchBytes bounds the message bytes held at once (32 MB); a larger
	// batch is fetched and committed in parts.
	BatchBytes int64
}

// The default batch: what the store commits well in one transaction, and
// bounded memory however large the mail. From "poller bench" on small mail
// (5,000 x 3.4 KB, 2 cores): batches of 50, 200 and 500 ran at 1,053, 1,099
// and 1,225 msgs/s; 200 takes most of that while a commit holds SQLite's
// write lock for about 0.15 s, not 0.35 s.
const (
	DefaultBatchSize  = 200
	DefaultBatchBytes = 32 << 20
)

// WithDefaults fills the zero values with the defaults.
func (b Batching) WithDefaults() Batching {
	if b.BatchSize <= 0 {
		b.BatchSize = DefaultBatchSize
	}
	if b.BatchBytes <= 0 {
		b.BatchBytes = DefaultBatchBytes
	}
	return b
}
