package crmstore

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/poller-crm/poller/pkg/email"
	"github.com/poller-crm/poller/pkg/ingest"
)

// chunkSize is the most content bound in one statement.
const chunkSize = 1 << 20

// Blob encodings: blobs.encoding says what the chunks hold.
const (
	encodingNone         = ""              // the content itself
	encodingDeflate      = "deflate"       // compressed (RFC 1951)
	encodingDeflateMail1 = "deflate-mail1" // compressed with mailDict1 as the preset dictionary
)

// mailDict1 is the preset dictionary of deflate-mail1: header fields, MIME
// boilerplate and the HTML of common mail clients, the most frequent last
// (the nearest). A small message shares most of its headers with it, so it
// compresses to about 38% of its size instead of 50%. Stored blobs can be
// read only with these exact bytes: never edit the file; a better
// dictionary is a new file and a new encoding.
//
//go:embed mail1.dict
var mailDict1 []byte

// dictMax is the largest content compressed with mailDict1, at level 2
// (level 1, BestSpeed, ignores a preset dictionary). Up to this size a
// message is mostly headers, which the dictionary shrinks by a fifth more;
// beyond it the dictionary saves little and level 2 costs twice
// BestSpeed's time (the fixtures: 55% at 99 µs a message this way, 55%
// at 148 µs all with the dictionary, 62% at 78 µs all at BestSpeed).
const dictMax = 8 << 10

// compressMax is the largest content prepareBlob compresses. Mail this size
// is mostly text and headers, which deflate shrinks to a half or less; larger
// mail is mostly attachments that are compressed already (base64 saves a
// quarter), where compressing would cost the pass more than it saves. A
// compressed blob is one chunk.
const compressMax = 512 << 10

// deflaters reuse compressors (a new one allocates more than half a
// megabyte): with the mail dictionary, and at BestSpeed without.
type deflaters struct{ dict, fast sync.Pool }

// compress returns data deflated and the encoding it used, or nil when
// that saves less than an eighth.
func (d *deflaters) compress(data []byte) ([]byte, string) {
	pool, encoding := &d.fast, encodingDeflate
	if len(data) <= dictMax {
		pool, encoding = &d.dict, encodingDeflateMail1
	}
	var buf bytes.Buffer
	buf.Grow(len(data) / 2)
	w, _ := pool.Get().(*flate.Writer)
	switch {
	case w != nil:
		w.Reset(&buf)
	case encoding == encodingDeflateMail1:
		w, _ = flate.NewWriterDict(&buf, 2, mailDict1)
	default:
		w, _ = flate.NewWriter(&buf, flate.BestSpeed)
	}
	defer pool.Put(w)
	if _, err := w.Write(data); err != nil {
		return nil, ""
	}
	if err := w.Close(); err != nil || buf.Len() > len(data)-len(data)/8 {
		return nil, ""
	}
	return buf.Bytes(), encoding
}

// rawBlob is a raw message made ready for putBlob: its hash, and its
// content compressed when that is how it is stored (else nil) with the
// encoding that says how.
type rawBlob struct {
	sum      string
	deflated []byte
	encoding string
}

// prepareBlob hashes raw and compresses it when it is mail of up to
// compressMax whose compression pays.
func (s *Store) prepareBlob(raw []byte) rawBlob {
	sum := sha256.Sum256(raw)
	b := rawBlob{sum: hex.EncodeToString(sum[:])}
	if len(raw) <= compressMax {
		b.deflated, b.encoding = s.deflate.compress(raw)
	}
	return b
}

// prepareBlobs is prepareBlob for each item's raw message, on all cores.
func (s *Store) prepareBlobs(items []ingest.Item) []rawBlob {
	blobs := make([]rawBlob, len(items))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(items)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(items); i = int(next.Add(1) - 1) {
				blobs[i] = s.prepareBlob(items[i].Raw)
			}
		})
	}
	wg.Wait()
	return blobs
}

// putBlob stores data under its SHA-256 sum (blob.sum) unless a blob with
// that hash exists: as blob has it compressed, else as it is.
func (s *Store) putBlob(ctx context.Context, tx dbtx, data []byte, blob rawBlob, now string) error {
	sum, stored, encoding := blob.sum, data, encodingNone
	if blob.deflated != nil {
		stored, encoding = blob.deflated, blob.encoding
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO blobs (sha256, size, encoding, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		sum, len(data), encoding, now)
	if err != nil {
		return fmt.Errorf("store blob: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // stored before: content-addressed
	}
	for seq := 0; seq*chunkSize < len(stored) || seq == 0; seq++ {
		end := min((seq+1)*chunkSize, len(stored))
		if _, err := tx.ExecContext(ctx, `INSERT INTO blob_chunks (sha256, seq, data) VALUES (?, ?, ?)`, sum, seq, stored[seq*chunkSize:end]); err != nil {
			return fmt.Errorf("store blob chunk: %w", err)
		}
	}
	return nil
}

// ReadBlob writes the blob with hash sum to w; an error wrapping
// ErrNotFound when there is none.
func (s *Store) ReadBlob(ctx context.Context, sum string, w io.Writer) error {
	return readBlob(ctx, s.db, sum, w)
}

// readBlob writes the content of the blob with hash sum, read through q,
// to w: one query for its encoding and its chunks, in order.
func readBlob(ctx context.Context, q Querier, sum string, w io.Writer) error {
	rows, err := q.QueryContext(ctx, `SELECT b.encoding, c.data FROM blobs b LEFT JOIN blob_chunks c ON c.sha256 = b.sha256
		WHERE b.sha256 = ? ORDER BY c.seq`, sum)
	if err != nil {
		return fmt.Errorf("read blob %s: %w", sum, err)
	}
	defer rows.Close()
	var encoding string
	var z bytes.Buffer // compressed content, inflated once read
	found := false
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&encoding, &data); err != nil {
			return fmt.Errorf("read blob %s: %w", sum, err)
		}
		if data == nil { // a blob without chunks
			break
		}
		found = true
		switch encoding {
		case encodingNone:
			if _, err := w.Write(data); err != nil {
				return err
			}
		case encodingDeflate, encodingDeflateMail1:
			z.Write(data)
		default:
			return fmt.Errorf("read blob %s: unknown encoding %q (written by a newer poller?)", sum, encoding)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read blob %s: %w", sum, err)
	}
	if !found {
		return fmt.Errorf("read blob %s: %w", sum, ErrNotFound)
	}
	if encoding == encodingNone {
		return nil
	}
	var dict []byte
	if encoding == encodingDeflateMail1 {
		dict = mailDict1
	}
	r := flate.NewReaderDict(&z, dict)
	defer r.Close()
	if _, err := io.Copy(w, r); err != nil {
		return fmt.Errorf("read blob %s: %w", sum, err)
	}
	return nil
}

// rawHTMLMax is the largest message whose HTML body is read from it
// (rawHTML) rather than stored: beyond it the HTML is little beside the
// message, and an email page would parse megabytes to show it.
const rawHTMLMax = 512 << 10

// rawHTML returns the HTML body of the raw message rawSum as Record read
// it (the first text/html body, email.Parse's Message.HTML): what an email
// with html_in_raw has instead of body_html. The message is streamed
// through the parser, not held.
func rawHTML(ctx context.Context, q Querier, rawSum string) (string, error) {
	var html string
	err := streamBlob(ctx, q, rawSum, func(r io.Reader) error {
		m, err := email.Parse(r)
		if err != nil {
			return err
		}
		html = m.HTML
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("HTML body of raw message %s: %w", rawSum, err)
	}
	return html, nil
}

// errStreamed tells readBlob, writing to streamBlob's pipe, that the
// reader is done with the blob.
var errStreamed = errors.New("blob read")

// streamBlob runs fn on the content of blob sum, read through q as fn
// reads it (a pipe), never held whole; fn may stop reading early. fn's
// error is returned as is, else a read error.
func streamBlob(ctx context.Context, q Querier, sum string, fn func(io.Reader) error) error {
	pr, pw := io.Pipe()
	read := make(chan error, 1)
	go func() {
		err := readBlob(ctx, q, sum, pw)
		pw.CloseWithError(err)
		read <- err
	}()
	err := fn(pr)
	pr.CloseWithError(errStreamed) // a readBlob still writing returns
	rerr := <-read
	if err != nil {
		return err
	}
	if rerr != nil && !errors.Is(rerr, errStreamed) {
		return rerr
	}
	return nil
}
