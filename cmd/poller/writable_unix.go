//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// writable reports whether this process may write to path (a file, or a
// folder to create files in) without writing anything: access(2).
func writable(path string) error {
	mode := uint32(unix.W_OK)
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		mode |= unix.X_OK
	}
	return unix.Access(path, mode)
}
