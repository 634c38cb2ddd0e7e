package bench

import (
	"slices"
	"time"
)

// Stats summarises repeated measurements of one quantity.
type Stats struct {
	Median, Min, Max float64
	N                int
}

// Summarise returns the median (the mean of the middle two for an even
// count), minimum and maximum of xs; the zero Stats for none.
func Summarise(xs []float64) Stats {
	if len(xs) == 0 {
		return Stats{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return Stats{Median: m, Min: s[0], Max: s[len(s)-1], N: len(s)}
}

// Rate is count per second over d (0 for no time).
func Rate(count float64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return count / d.Seconds()
}
