package sanitizer

import (
	"syscall"
	"time"
)

// threadCPU is the CPU time the calling OS thread has used. On a shared,
// loaded machine it is steadier than wall time, which counts the time the
// thread waits for a core.
func threadCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_THREAD, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}

// processCPU is the CPU time of every thread of the process: the
// benchmark's own and the runtime's (the garbage collector's workers mark
// on other threads, which threadCPU does not count).
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
