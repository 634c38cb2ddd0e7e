package crmstore

import (
	"context"
	"database/sql"
)

// Commit is Store.commit, for the tests of crmstore_test.
func (s *Store) Commit(ctx context.Context, tx *sql.Tx) error { return s.commit(ctx, tx) }
