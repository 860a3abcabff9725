//go:build !unix

package chain

import "os"

// lockDir creates dir. Without flock, the directory lock is badger's own,
// taken when the database opens.
func lockDir(dir string) (release func(), err error) {
	return func() {}, os.MkdirAll(dir, 0o700)
}
