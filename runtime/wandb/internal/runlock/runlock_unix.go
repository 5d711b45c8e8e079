//go:build aix || darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd || solaris

package runlock

import (
	"errors"
	"os"
	"syscall"
)

// processAlive sends signal 0, which checks that a process exists without
// touching it. EPERM means it exists but belongs to another user.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}
