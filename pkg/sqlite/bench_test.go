package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/crm/crmtest"
	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/ingest"
)

// benchBatch is the batch size ingest.Run uses by default.
const benchBatch = 64

// fixtureItems processes n messages made from the project's fixtures, each
// with a Message-ID of its own so that every one is a new email.
func fixtureItems(b testing.TB, n int) []ingest.Item {
	b.Helper()
	files, err := filepath.Glob("../../fixtures/*.eml")
	if err != nil || len(files) == 0 {
		b.Fatal("no fixtures")
	}
	var raws [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		raws = append(raws, data)
	}
	rules := crmtest.Rules(b)
	items := make([]ingest.Item, n)
	for i := range items {
		raw := append([]byte(fmt.Sprintf("Message-ID: <bench-%d@example.com>\r\n", i)), raws[i%len(raws)]...)
		items[i] = ingest.Process(rules, ingest.Origin{Path: fmt.Sprintf("bench/%d.eml", i)}, raw)
	}
	return items
}

// BenchmarkRecordFixtures measures crmstore.Store.Record: the fixtures (decided
// beforehand) recorded into a fresh store in batches, one op per message.
func BenchmarkRecordFixtures(b *testing.B) {
	items := fixtureItems(b, b.N)
	s := openStore(b, crmstore.Options{})
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < len(items); i += benchBatch {
		if _, err := s.Record(ctx, items[i:min(i+benchBatch, len(items))]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkRawInsert is the yardstick for BenchmarkRecordFixtures: the rows
// one logged message needs (raw blob and its chunk, email, contact, email
// to contact link, intake row) written with bare prepared INSERTs in
// batches of the same size, with no lookups, parsing or rules.
func BenchmarkRawInsert(b *testing.B) {
	items := fixtureItems(b, b.N)
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
			now := crmstore.FormatTime(time.Now())
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
