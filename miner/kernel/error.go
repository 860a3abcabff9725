package kernel

// ErrorKind identifies a kind of error returned by this package. Callers
// match it with errors.Is(err, kernel.ErrUnsupportedKernel).
type ErrorKind string

const (
	// ErrUnknownKernel means no kernel of that name exists in this package.
	ErrUnknownKernel = ErrorKind("ErrUnknownKernel")

	// ErrUnsupportedKernel means the kernel exists but this CPU (or this
	// GOARCH) cannot run it.
	ErrUnsupportedKernel = ErrorKind("ErrUnsupportedKernel")

	// ErrSelfTestFailed means the kernel runs on this CPU but reported
	// nonces different from crypto/sha256's in the self-test, so it is
	// never used.
	ErrSelfTestFailed = ErrorKind("ErrSelfTestFailed")
)

// Error satisfies the error interface.
func (e ErrorKind) Error() string {
	return string(e)
}

// KernelError describes a failed kernel lookup. Err is its ErrorKind.
type KernelError struct {
	Err         ErrorKind
	Description string
}

// Error satisfies the error interface.
func (e KernelError) Error() string {
	return e.Description
}

// Unwrap returns the ErrorKind so errors.Is works on a KernelError.
func (e KernelError) Unwrap() error {
	return e.Err
}
