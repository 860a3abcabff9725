package kernel

// Generic is the portable Go kernel. It runs on every GOARCH and is the
// fallback when the CPU has neither SHA extensions nor AVX2.
var Generic Kernel = generic{}

type generic struct{}

// Name returns "generic".
func (generic) Name() string { return "generic" }

// Scan implements Kernel.
func (generic) Scan(w *Work, start, count uint32) (uint32, bool) {
	return scanGeneric(w, start, count)
}

// scanGeneric scans count nonces from start one at a time. The assembly
// kernels use it too for the few nonces left over after their lane groups.
func scanGeneric(w *Work, start, count uint32) (uint32, bool) {
	for i := uint32(0); i < count; i++ {
		nonce := start + i
		if w.isCandidate(topWordGeneric(w, nonce)) && w.Meets(nonce) {
			return nonce, true
		}
	}
	return 0, false
}

// topWordGeneric returns H7, the last big-endian word of SHA256d of the
// Work's header with the given nonce, using the precomputed midstate and
// second-block state and skipping the rounds of the second hash that do not
// reach H7.
func topWordGeneric(w *Work, nonce uint32) uint32 {
	d := &w.data
	var m [64]uint32
	m[0], m[1], m[2] = d[dTail], d[dTail+1], d[dTail+2]
	m[3] = nonce>>24 | nonce>>8&0xff00 | nonce<<8&0xff0000 | nonce<<24
	m[4], m[15] = pad2W4, pad2W15
	m[16], m[17] = d[dU], d[dU+1]
	for i := 18; i < 64; i++ {
		m[i] = sigma1(m[i-2]) + m[i-7] + sigma0(m[i-15]) + m[i-16]
	}

	// Second block from round 4: round 3 needs only W3 added to a and e.
	s := [8]uint32(d[dSt4 : dSt4+8])
	s[0] += m[3]
	s[4] += m[3]
	rounds(&s, &m, 4, 64)
	var x [64]uint32
	for i := range 8 {
		x[i] = s[i] + d[dMid+i]
	}

	// Third block: the 32-byte first hash plus padding.
	x[8], x[15] = pad3W8, pad3W15
	for i := 16; i <= 60; i++ {
		x[i] = sigma1(x[i-2]) + x[i-7] + sigma0(x[i-15]) + x[i-16]
	}
	s = iv
	rounds(&s, &x, 0, 60)
	// H7 = IV7 + h after round 63 = IV7 + e after round 60; round 60's new
	// e is d + T1.
	e, f, g, h := s[4], s[5], s[6], s[7]
	t1 := h + bigSigma1(e) + (e&f ^ ^e&g) + k[60] + x[60]
	return iv[7] + s[3] + t1
}
