package sigverify

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// processCPU is the CPU time this process has used, user and system.
func processCPU() time.Duration {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// perSig reports µs/sig, one signature's share of the wall time, and
// cpu-µs/sig, its share of the CPU time the process used: on a machine
// shared with other work the second is the steadier measure of cost, the
// first the one to compare across core counts.
type perSig struct {
	b        *testing.B
	cpuStart time.Duration
}

func startPerSig(b *testing.B) perSig { return perSig{b: b, cpuStart: processCPU()} }

func (p perSig) report(sigs int) {
	n := float64(p.b.N * sigs)
	p.b.ReportMetric(float64(p.b.Elapsed().Nanoseconds())/1e3/n, "µs/sig")
	p.b.ReportMetric(float64((processCPU()-p.cpuStart).Nanoseconds())/1e3/n, "cpu-µs/sig")
}
