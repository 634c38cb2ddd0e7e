package crmstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/poller-crm/poller/pkg/crm"
)

// SyncUsers makes the users table match the config: users are added or
// updated by primary address. Users no longer in the config are kept, as
// contacts and emails refer to them.
func (s *Store) SyncUsers(ctx context.Context, users []crm.User) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sync users: %w", s.describe(err))
	}
	defer tx.Rollback()
	for _, u := range users {
		aliases := strings.ToLower(strings.Join(u.Aliases, " "))
		if _, err := tx.ExecContext(ctx, `INSERT INTO users (email, name, aliases) VALUES (?, ?, ?)
			ON CONFLICT (email) DO UPDATE SET name = excluded.name, aliases = excluded.aliases`,
			strings.ToLower(u.Email), u.Name, aliases); err != nil {
			return fmt.Errorf("sync user %s: %w", u.Email, s.describe(err))
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sync users: %w", s.describe(err))
	}
	return nil
}
