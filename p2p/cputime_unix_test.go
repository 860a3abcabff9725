//go:build unix

package p2p_test

import (
	"syscall"
	"time"
)

// processCPUTime returns the user and system CPU time this process has
// used: the sync benchmark reports CPU per block, which shows what the
// nodes sharing the machine's cores cost.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
