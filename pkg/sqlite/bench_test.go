package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/crmstore/storetest"
)

// benchBatch is BenchmarkRawInsert's batch, storetest.BenchRecord's.
const benchBatch = 50

// BenchmarkRecordFixtures measures Store.Record on SQLite: the same
// benchmark as pkg/postgres's (storetest.BenchRecord).
func BenchmarkRecordFixtures(b *testing.B) {
	storetest.BenchRecord(b, openStore)
}

// BenchmarkRecordGenerated measures Store.Record on SQLite with the mail
// "poller bench" delivers (storetest.BenchRecordGenerated).
func BenchmarkRecordGenerated(b *testing.B) {
	storetest.BenchRecordGenerated(b, openStore)
}

// BenchmarkRawInsert is the yardstick for BenchmarkRecordFixtures: the rows
// one logged message needs (raw blob and its chunk, email, contact, email
// to contact link, intake row) written with bare prepared INSERTs in
// batches of the same size, with no lookups, parsing or rules.
func BenchmarkRawInsert(b *testing.B) {
	items := storetest.FixtureItems(b, b.N)
	s := openStore(b, crmstore.Options{})
	ctx := context.Background()
	stmts := []string{
		`INSERT INTO blobs (sha256, size, created_at) VALUES (?, ?, ?)`,
		`INSERT INTO blob_chunks (sha256, seq, data) VALUES (?, 0, ?)`,
		`INSERT INTO emails (kind, dedup_key, content_key, message_id, subject, body_text, raw_sha256, created_at) VALUES ('bcc', ?, ?, ?, ?, ?, ?, ?)`,
		`INSERT INTO contacts (address, name, source, created_at) VALUES (?, ?, 'bcc', ?)`,
		`INSERT INTO email_contacts (email_id, contact_id) VALUES (?, ?)`,
		`INSERT INTO intake (outcome, message_id, email_id, raw_sha256, origin_path, processed_at) VALUES ('logged', ?, ?, ?, ?, ?)`,
	}
	b.ResetTimer()
	for start := 0; start < len(items); start += benchBatch {
		tx, err := s.DB().BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		st := make([]*stmtT, len(stmts))
		for i, q := range stmts {
			p, err := tx.PrepareContext(ctx, q)
			if err != nil {
				b.Fatal(err)
			}
			st[i] = &stmtT{p}
			defer p.Close()
		}
		for i := start; i < min(start+benchBatch, len(items)); i++ {
			it := items[i]
			sum := sha256.Sum256(it.Raw)
			key := hex.EncodeToString(sum[:])
			now := time.Now().UTC().Format(time.RFC3339Nano)
			st[0].exec(b, key, len(it.Raw), now)
			st[1].exec(b, key, it.Raw)
			emailID := st[2].exec(b, fmt.Sprint("msgid:", i), key, it.Message.MessageID, it.Message.Subject, it.Message.Text, key, now)
			contactID := st[3].exec(b, fmt.Sprintf("c%d@bench.example", i), "Name", now)
			st[4].exec(b, emailID, contactID)
			st[5].exec(b, it.Message.MessageID, emailID, key, it.Origin.Path, now)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

type stmtT struct{ s *sql.Stmt }

func (st *stmtT) exec(b *testing.B, args ...any) int64 {
	res, err := st.s.Exec(args...)
	if err != nil {
		b.Fatal(err)
	}
	id, _ := res.LastInsertId()
	return id
}
