//go:build !(aix || darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd || solaris || windows)

package runlock

// processAlive cannot check a process on this system (Plan 9, js/wasm...),
// so a lock of this machine counts as live; sync -force overrides it.
func processAlive(pid int) bool { return true }
