//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package bench

import (
	"os"
	"runtime"
	"syscall"
)

// PeakRSS is the peak resident set size, in bytes, of an exited child
// process (its rusage's ru_maxrss), or 0 when the system does not say.
func PeakRSS(ps *os.ProcessState) int64 {
	if ps == nil {
		return 0
	}
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return int64(ru.Maxrss) // bytes there, kilobytes elsewhere
	}
	return int64(ru.Maxrss) * 1024
}
