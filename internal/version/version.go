// Package version says which Flint this is: the release and the commit it
// was built from.
package version

import (
	"fmt"
	"runtime/debug"
)

// Release is Flint's version; Number is the same as Bitcoin Core counts
// it in getnetworkinfo (10000*major + 100*minor + patch).
const (
	Release = "0.1.0"
	Number  = 100
)

// Subversion is the user agent getnetworkinfo and the p2p handshake show.
const Subversion = "/flint:" + Release + "/"

// commit, when set at link time (-ldflags "-X
// github.com/flint-chain/flint/internal/version.commit=$(git rev-parse
// HEAD)"), is the commit of a build made without VCS stamping.
var commit string

// Commit returns the commit the binary was built from, as go build
// recorded it ("" when it did not, as under go test or -buildvcs=false,
// unless set at link time), with "-dirty" for a work tree with changes.
func Commit() string {
	if commit != "" {
		return commit
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev string
	var dirty bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" && dirty {
		rev += "-dirty"
	}
	return rev
}

// String is the one-line description "flint version" prints:
// "0.1.0 (commit 1b1a53c0e9f2)" or "0.1.0 (commit unknown)".
func String() string {
	commit := Commit()
	if commit == "" {
		commit = "unknown"
	}
	return fmt.Sprintf("%s (commit %s)", Release, commit)
}
