//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package bench

import "os"

// PeakRSS is the peak resident set size of an exited child process: not
// known on this system, so 0.
func PeakRSS(ps *os.ProcessState) int64 { return 0 }
