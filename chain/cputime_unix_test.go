//go:build unix

package chain

import (
	"syscall"
	"time"
)

// processCPUTime returns the user and system CPU time this process has
// used, so benchmarks can report a rate per CPU-second that a busy machine
// does not distort.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
