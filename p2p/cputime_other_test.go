//go:build !unix

package p2p_test

import "time"

// processCPUTime is not measured here; the sync benchmark reports
// wall-clock rates only.
func processCPUTime() time.Duration { return 0 }
