//go:build cgo && libsecp256k1

package sigverify

/*
#cgo LDFLAGS: -l:libsecp256k1.a
#include <stddef.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

// flint_verify_chunk checks n triples of (key 32, message 32, signature 64)
// laid end to end in in, writing 1 (verified) or 0 into ok: one call from
// Go for a whole chunk.
static void flint_verify_chunk(const secp256k1_context *ctx, const unsigned char *in, size_t n, unsigned char *ok) {
	for (size_t i = 0; i < n; i++) {
		const unsigned char *t = in + 128 * i;
		secp256k1_xonly_pubkey pk;
		ok[i] = secp256k1_xonly_pubkey_parse(ctx, &pk, t) &&
			secp256k1_schnorrsig_verify(ctx, t + 64, t + 32, 32, &pk);
	}
}
*/
import "C"

import "unsafe"

func init() { register("libsecp256k1", func() Verifier { return libsecpVerifier{} }) }

// verifyCtx is the library's context for verification; read-only once
// made, so shared by all goroutines.
var verifyCtx = C.secp256k1_context_create(C.SECP256K1_CONTEXT_NONE)

// libsecpVerifier calls Bitcoin Core's libsecp256k1, statically linked:
// secp256k1_xonly_pubkey_parse and secp256k1_schnorrsig_verify, a chunk of
// signatures per cgo call.
type libsecpVerifier struct{}

func (libsecpVerifier) Name() string { return "libsecp256k1" }

// Triple is laid out as the C side reads it: key, message, signature.
var _ [128]byte = [unsafe.Sizeof(Triple{})]byte{}

func (libsecpVerifier) Verify(t *Triple) bool {
	var ok [1]C.uchar
	verifyChunk([]Triple{*t}, ok[:])
	return ok[0] == 1
}

func (libsecpVerifier) VerifyBatch(ts []Triple, bad []bool) bool {
	if len(ts) == 0 {
		return true
	}
	ok := make([]C.uchar, len(ts))
	verifyChunk(ts, ok)
	all := true
	for i := range ok {
		if ok[i] != 1 {
			bad[i], all = true, false
		}
	}
	return all
}

// verifyChunk hands ts and ok to C directly: neither holds Go pointers.
func verifyChunk(ts []Triple, ok []C.uchar) {
	C.flint_verify_chunk(verifyCtx, (*C.uchar)(unsafe.Pointer(&ts[0])), C.size_t(len(ts)), &ok[0])
}
