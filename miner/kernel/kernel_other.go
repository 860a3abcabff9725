//go:build !amd64

package kernel

// archKernels returns the assembly kernels this CPU supports: none outside
// amd64.
func archKernels() []Kernel { return nil }
