package kernel

import (
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"hash"
	"strings"
	"sync/atomic"
	"testing"
)

// benchWork is a fixed header with a zero target: no nonce is found, so a
// scan does its full work.
func benchWork() *Work {
	var hdr [80]byte
	for i := range hdr {
		hdr[i] = byte(i * 13)
	}
	return NewWork(hdr, [32]byte{})
}

// reportMHs reports hashes per wall-clock second and, when cpu0 (the
// process CPU time when the timed loop began) is known, per CPU second.
func reportMHs(b *testing.B, hashes int, cpu0 float64) {
	b.ReportMetric(float64(hashes)/b.Elapsed().Seconds()/1e6, "MH/s")
	if cpu := cpuSeconds() - cpu0; cpu0 > 0 && cpu > 0 {
		b.ReportMetric(float64(hashes)/cpu/1e6, "MH/cpu-s")
	}
}

// BenchmarkScan measures each kernel on one goroutine; ns/op is per nonce.
func BenchmarkScan(b *testing.B) {
	for _, k := range testKernels(b) {
		b.Run(k.Name(), func(b *testing.B) {
			w := benchWork()
			const chunk = 1 << 12
			var nonce uint32
			cpu0 := cpuSeconds()
			b.ResetTimer()
			for n := 0; n < b.N; n += chunk {
				k.Scan(w, nonce, chunk)
				nonce += chunk
			}
			reportMHs(b, (b.N+chunk-1)/chunk*chunk, cpu0)
		})
	}
}

// BenchmarkScanAllCores runs each kernel on GOMAXPROCS goroutines, each on
// its own header (ns/op is left out: an op is a chunk of nonces). On a
// machine shared with other work the wall-clock rate says little; MH/cpu-s
// (hashes per second of process CPU time) compared with BenchmarkScan's
// says how well the kernel scales: GOMAXPROCS × this ÷ that is the
// speed-up all cores give when they are free.
func BenchmarkScanAllCores(b *testing.B) {
	for _, k := range testKernels(b) {
		b.Run(k.Name(), func(b *testing.B) {
			const chunk = 1 << 12
			var next atomic.Uint32
			cpu0 := cpuSeconds()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var hdr [80]byte
				seed := next.Add(1)
				for i := range hdr {
					hdr[i] = byte(i*13) ^ byte(seed)
				}
				w := NewWork(hdr, [32]byte{})
				var nonce uint32
				for pb.Next() {
					k.Scan(w, nonce, chunk)
					nonce += chunk
				}
			})
			reportMHs(b, b.N*chunk, cpu0)
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkStdlibSHA256d is the obvious loop: two sha256.Sum256 per nonce.
func BenchmarkStdlibSHA256d(b *testing.B) {
	var hdr [80]byte
	copy(hdr[:], strings.Repeat("flint", 16))
	var sink byte
	cpu0 := cpuSeconds()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		binary.LittleEndian.PutUint32(hdr[76:], uint32(i))
		first := sha256.Sum256(hdr[:])
		h := sha256.Sum256(first[:])
		sink ^= h[31]
	}
	_ = sink
	reportMHs(b, b.N, cpu0)
}

// BenchmarkStdlibMidstate restores the state after the first 64 bytes
// through crypto/sha256's BinaryUnmarshaler for each nonce.
func BenchmarkStdlibMidstate(b *testing.B) {
	var hdr [80]byte
	copy(hdr[:], strings.Repeat("flint", 16))
	d := sha256.New()
	d.Write(hdr[:64])
	state, err := d.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	var h hash.Hash = sha256.New()
	var sum [32]byte
	var sink byte
	cpu0 := cpuSeconds()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		binary.LittleEndian.PutUint32(hdr[76:], uint32(i))
		if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
			b.Fatal(err)
		}
		h.Write(hdr[64:])
		h.Sum(sum[:0])
		second := sha256.Sum256(sum[:])
		sink ^= second[31]
	}
	_ = sink
	reportMHs(b, b.N, cpu0)
}

// BenchmarkStdlibCompress is crypto/sha256's raw compression rate:
// sha256.Sum256 over 1 MiB, reported as million 64-byte blocks per second,
// the hardware yardstick of the ratio.
func BenchmarkStdlibCompress(b *testing.B) {
	buf := make([]byte, 1<<20)
	b.SetBytes(int64(len(buf)))
	cpu0 := cpuSeconds()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sha256.Sum256(buf)
	}
	blocks := float64(b.N) * float64(len(buf)) / 64
	b.ReportMetric(blocks/b.Elapsed().Seconds()/1e6, "Mcompress/s")
	if cpu := cpuSeconds() - cpu0; cpu0 > 0 && cpu > 0 {
		b.ReportMetric(blocks/cpu/1e6, "Mcompress/cpu-s")
	}
}
