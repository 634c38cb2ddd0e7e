//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package main

import (
	"errors"
	"os"
)

// writable reports whether path looks writable: its permission bits, as
// access(2) is not available here.
func writable(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if st.Mode().Perm()&0o222 == 0 {
		return errors.New("read-only")
	}
	return nil
}
