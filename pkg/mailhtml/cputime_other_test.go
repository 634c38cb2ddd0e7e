//go:build !unix

package mailhtml

import "time"

var startTime = time.Now()

// cpuTime falls back to the wall clock where getrusage is missing.
func cpuTime() time.Duration { return time.Since(startTime) }
