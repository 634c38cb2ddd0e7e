package ingest

// Batching sizes what a pass or a run commits in one transaction. Zero
// values take the defaults.
type Batching struct {
	// BatchSize is the most messages fetched and committed together (50).
	BatchSize int
	// BatchBytes bounds the message bytes held at once (32 MB); a larger
	// batch is fetched and committed in parts.
	BatchBytes int64
}

// The default batch: what the store commits well in one transaction, and
// bounded memory however large the mail.
const (
	DefaultBatchSize  = 50
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
