//go:build unix

package egressproxy

import (
	"syscall"
	"time"
)

// processCPU is the user and system time this process has used: the
// proxy, its target and the client of a benchmark together.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
