package crmstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/poller-crm/poller/pkg/view"
)

// UserInfo is a user as "poller user list" shows it.
type UserInfo struct {
	Email, Name string
	HasPassword bool
}

// Users returns the users, by primary address.
func (s *Store) Users(ctx context.Context) ([]UserInfo, error) {
	out := []UserInfo{}
	err := each(ctx, s.db, `SELECT email, name, password_hash != '' FROM users ORDER BY email`, func(rows *sql.Rows) error {
		var u UserInfo
		if err := rows.Scan(&u.Email, &u.Name, &u.HasPassword); err != nil {
			return err
		}
		out = append(out, u)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list users: %w", s.describe(err))
	}
	return out, nil
}

// SetPassword stores the password hash (a PHC string; "" removes the
// password) of the user with this primary address. An unknown user is an
// error wrapping ErrNotFound.
func (s *Store) SetPassword(ctx context.Context, email, hash string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	res, err := s.db.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE email = ?`, hash, email)
	if err != nil {
		return fmt.Errorf("set password of %s: %w", email, s.describe(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("set password of %s: user %w", email, ErrNotFound)
	}
	return nil
}

// UserID returns the id of the user with this primary address, 0 when
// there is none.
func (s *Store) UserID(ctx context.Context, email string) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM users WHERE email = ?`, strings.ToLower(strings.TrimSpace(email))).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("look up user %s: %w", email, s.describe(err))
	}
	return id, nil
}

// PasswordHash returns the stored password hash of the user with this
// primary address: "" when the user has none or is unknown.
func (s *Store) PasswordHash(ctx context.Context, email string) (string, error) {
	var hash string
	err := s.db.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE email = ?`, strings.ToLower(strings.TrimSpace(email))).Scan(&hash)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("password of %s: %w", email, s.describe(err))
	}
	return hash, nil
}

// CreateSession stores a session under the SHA-256 of its token.
func (s *Store) CreateSession(ctx context.Context, tokenHash []byte, userEmail string, now time.Time) error {
	t := formatTime(now)
	_, err := s.db.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_email, created_at, last_seen_at) VALUES (?, ?, ?, ?)`,
		tokenHash, strings.ToLower(userEmail), t, t)
	if err != nil {
		return fmt.Errorf("create session: %w", s.describe(err))
	}
	return nil
}

// Session returns the session stored under tokenHash; an error wrapping
// ErrNotFound when there is none.
func (s *Store) Session(ctx context.Context, tokenHash []byte) (view.Session, error) {
	var v view.Session
	var created, seen string
	err := s.db.QueryRowContext(ctx, `SELECT user_email, created_at, last_seen_at FROM sessions WHERE token_hash = ?`, tokenHash).
		Scan(&v.UserEmail, &created, &seen)
	if err == sql.ErrNoRows {
		return v, fmt.Errorf("session: %w", ErrNotFound)
	}
	if err != nil {
		return v, fmt.Errorf("session: %w", s.describe(err))
	}
	if v.CreatedAt, err = parseStoreTime(created); err != nil {
		return v, fmt.Errorf("session: %w", err)
	}
	if v.LastSeenAt, err = parseStoreTime(seen); err != nil {
		return v, fmt.Errorf("session: %w", err)
	}
	return v, nil
}

// TouchSession records that the session was used at now.
func (s *Store) TouchSession(ctx context.Context, tokenHash []byte, now time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?`, formatTime(now), tokenHash); err != nil {
		return fmt.Errorf("touch session: %w", s.describe(err))
	}
	return nil
}

// DeleteSession removes a session.
func (s *Store) DeleteSession(ctx context.Context, tokenHash []byte) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash); err != nil {
		return fmt.Errorf("delete session: %w", s.describe(err))
	}
	return nil
}

// DeleteSessionsBefore removes the sessions last seen before idle or
// created before absolute.
func (s *Store) DeleteSessionsBefore(ctx context.Context, idle, absolute time.Time) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?`,
		formatTime(idle), formatTime(absolute)); err != nil {
		return fmt.Errorf("delete old sessions: %w", s.describe(err))
	}
	return nil
}

// DeleteUserSessions removes every session of a user (after a password
// change, say).
func (s *Store) DeleteUserSessions(ctx context.Context, userEmail string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE user_email = ?`, strings.ToLower(userEmail)); err != nil {
		return fmt.Errorf("delete sessions of %s: %w", userEmail, s.describe(err))
	}
	return nil
}
