-- Raw mail stored compactly. blob_chunks was a WITHOUT ROWID table keyed by
-- the content's hash: every message's bytes landed at a random place in its
-- b-tree, which splits pages to half full and dirties pages all over the
-- file at each commit; as a rowid table, chunks are appended in the order
-- they come, and only the (sha256, seq) index is random. blobs.encoding
-- says how the chunks hold the content: '' as it is, 'deflate' compressed
-- (RFC 1951; crmstore compresses mail up to 512 KiB when that pays).
ALTER TABLE blobs ADD COLUMN encoding TEXT NOT NULL DEFAULT '';
CREATE TABLE blob_chunks_new (
    sha256 TEXT NOT NULL REFERENCES blobs(sha256) ON DELETE CASCADE,
    seq    INTEGER NOT NULL,
    data   BLOB NOT NULL,
    PRIMARY KEY (sha256, seq)
);
INSERT INTO blob_chunks_new (sha256, seq, data) SELECT sha256, seq, data FROM blob_chunks ORDER BY sha256, seq;
DROP TABLE blob_chunks;
ALTER TABLE blob_chunks_new RENAME TO blob_chunks;
