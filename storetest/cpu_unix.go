//go:build unix

package storetest

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user and system) this process has used: a
// benchmark's cost that other processes on a shared machine disturb far
// less than its wall-clock time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
