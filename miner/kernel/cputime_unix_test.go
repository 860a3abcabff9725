//go:build unix

package kernel

import "syscall"

// cpuSeconds returns the process's user+system CPU time. Benchmarks report
// hashes per CPU second next to hashes per wall second, because on a shared
// machine the wall-clock figure also measures the neighbours.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
