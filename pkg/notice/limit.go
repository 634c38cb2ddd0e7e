package notice

import "time"

// Limiter is the per-user rate limit: at most MaxPerHour notices in any
// hour (0 means DefaultMaxPerHour). It keeps no state; the caller passes
// the times it sent notices to the user.
type Limiter struct {
	MaxPerHour int
}

// Limiter is the rate limit c configures.
func (c Config) Limiter() Limiter { return Limiter{MaxPerHour: c.MaxPerHour} }

// Allow reports whether one more notice may go out at now, given the
// times of the notices already sent to the same user.
func (l Limiter) Allow(sent []time.Time, now time.Time) bool {
	return Allowed(SentSince(sent, now.Add(-time.Hour)), l.MaxPerHour)
}

// SentSince counts the times after since.
func SentSince(sent []time.Time, since time.Time) int {
	n := 0
	for _, t := range sent {
		if t.After(since) {
			n++
		}
	}
	return n
}

// Allowed reports whether a user sent sentInLastHour notices in the last
// hour may get one more under a limit of max (0 means DefaultMaxPerHour).
func Allowed(sentInLastHour, max int) bool {
	if max <= 0 {
		max = DefaultMaxPerHour
	}
	return sentInLastHour < max
}
