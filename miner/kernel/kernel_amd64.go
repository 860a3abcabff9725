package kernel

import "golang.org/x/sys/cpu"

// SHA-NI, AVX2 and AVX-512 kernels: the generated assembly (sha256d_amd64.s) scans
// whole lane groups and stops at the first candidate whose top word passes;
// the Go side checks each candidate in full and scans the nonces left over
// after the last whole group with the portable kernel.

var hasSHANI = cpuidSHANI()

// archKernels returns the assembly kernels this CPU supports, fastest first.
func archKernels() []Kernel {
	var ks []Kernel
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW {
		ks = append(ks, avx512{})
	}
	if hasSHANI && cpu.X86.HasSSE41 && cpu.X86.HasSSSE3 {
		ks = append(ks, shaNI{})
	}
	if cpu.X86.HasAVX2 {
		ks = append(ks, avx2{})
	}
	return ks
}

type shaNI struct{}

// Name returns "sha-ni".
func (shaNI) Name() string { return "sha-ni" }

// Scan implements Kernel with two interleaved SHA-NI streams.
func (shaNI) Scan(w *Work, start, count uint32) (uint32, bool) {
	return scanLanes(w, start, count, 2, scanSHANI)
}

type avx512 struct{}

// Name returns "avx512".
func (avx512) Name() string { return "avx512" }

// Scan implements Kernel with sixteen AVX-512 lanes.
func (avx512) Scan(w *Work, start, count uint32) (uint32, bool) {
	return scanLanes(w, start, count, 16, scanAVX512)
}

type avx2 struct{}

// Name returns "avx2".
func (avx2) Name() string { return "avx2" }

// Scan implements Kernel with eight AVX2 lanes.
func (avx2) Scan(w *Work, start, count uint32) (uint32, bool) {
	return scanLanes(w, start, count, 8, scanAVX2)
}

// scanLanes drives an assembly scan that handles nonces in groups of lanes
// and returns candidates: it verifies each candidate, resumes after a false
// one, and hands the last count%lanes nonces to the portable kernel.
func scanLanes(w *Work, start, count, lanes uint32,
	scan func(d *[dataWords]uint32, start, count uint32) (uint32, bool)) (uint32, bool) {
	for count >= lanes {
		n := count - count%lanes
		nonce, ok := scan(&w.data, start, n)
		if !ok {
			start += n
			count -= n
			break
		}
		if w.Meets(nonce) {
			return nonce, true
		}
		done := nonce - start + 1
		start += done
		count -= done
	}
	return scanGeneric(w, start, count)
}
