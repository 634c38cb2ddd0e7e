-- blobs.encoding says how the chunks hold the content: '' as it is,
-- 'deflate' compressed (RFC 1951; crmstore compresses mail up to 512 KiB
-- when that pays), as in SQLite's migration 0012.
ALTER TABLE blobs ADD COLUMN encoding TEXT NOT NULL DEFAULT '';
