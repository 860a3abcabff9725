//go:build !unix

package chain

import "time"

// processCPUTime is not measured here; benchmarks report wall-clock rates
// only.
func processCPUTime() time.Duration { return 0 }
