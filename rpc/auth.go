package rpc

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/flint-chain/flint/internal/atomicfile"
)

// CookieUser is the user name of the cookie credential, as Bitcoin Core's.
const CookieUser = "__cookie__"

// CookieFile is the conventional name of the cookie file in a node's data
// directory (Config.CookiePath = filepath.Join(datadir, CookieFile)).
const CookieFile = ".cookie"

// Auth is an HTTP basic-auth credential. Its String form hides the password.
type Auth struct {
	User, Password string
}

// String returns the user name only, so that logging an Auth cannot leak
// the password.
func (a Auth) String() string { return a.User + ":<hidden>" }

// LogValue keeps the password out of slog lines as well.
func (a Auth) LogValue() slog.Value { return slog.StringValue(a.String()) }

// newCookie returns a cookie credential with 32 random bytes of password.
func newCookie() (Auth, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Auth{}, fmt.Errorf("rpc: cookie randomness: %w", err)
	}
	return Auth{User: CookieUser, Password: hex.EncodeToString(b[:])}, nil
}

// writeCookie writes "user:password" to path with mode 0600, atomically:
// a temporary file beside it is written, synced and renamed over path, so
// a reader sees the old cookie or the new one, never a part.
func writeCookie(path string, a Auth) error {
	return atomicfile.WriteFile(path, []byte(a.User+":"+a.Password), 0o600)
}

// ErrNoCookie is returned (wrapped) by ReadCookie when the cookie file does
// not exist: the node is not running, or not yet, or uses another data
// directory.
var ErrNoCookie = errors.New("no RPC cookie")

// ErrBadCookie is returned (wrapped) by ReadCookie for a cookie file that
// is not "user:password".
var ErrBadCookie = errors.New("malformed RPC cookie")

// ReadCookie reads the credential a running node wrote to its cookie file
// ("__cookie__:<hex>"). The file exists only while the node's RPC server
// runs.
func ReadCookie(path string) (Auth, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Auth{}, fmt.Errorf("%w at %s: is the node running with this data directory?", ErrNoCookie, path)
		}
		return Auth{}, fmt.Errorf("read RPC cookie: %w", err)
	}
	a, err := parseCookie(b)
	if err != nil {
		return Auth{}, fmt.Errorf("RPC cookie %s: %w", path, err)
	}
	return a, nil
}

// parseCookie decodes a cookie file's contents, "user:password" with
// surrounding white space ignored.
func parseCookie(b []byte) (Auth, error) {
	user, pass, ok := strings.Cut(strings.TrimSpace(string(b)), ":")
	if !ok || user == "" || pass == "" {
		return Auth{}, fmt.Errorf("%w: want user:password", ErrBadCookie)
	}
	return Auth{User: user, Password: pass}, nil
}

// authenticate wraps h so that only requests with accepted basic-auth
// credentials reach it; others get HTTP 401 with a JSON-RPC error body.
func (s *Server) authenticate(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || !s.authorized(user, pass) {
			// Log who knocked, never what they offered.
			s.log.Warn("RPC request refused: missing or wrong credentials", "remote", r.RemoteAddr, "path", r.URL.Path, "credentials_given", ok)
			w.Header().Set("WWW-Authenticate", `Basic realm="flint-rpc"`)
			writeJSON(w, http.StatusUnauthorized, errorResponse(nil, errorf(CodeInvalidRequest,
				"unauthorized: use the credentials in the node's cookie file or its --rpc.user/--rpc.password")))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// authorized compares the offered credential with every accepted one in
// constant time (over SHA-256 digests, so lengths do not leak either).
func (s *Server) authorized(user, pass string) bool {
	offered := sha256.Sum256([]byte(user + "\x00" + pass))
	match := 0
	for _, c := range s.creds {
		want := sha256.Sum256([]byte(c.User + "\x00" + c.Password))
		match |= subtle.ConstantTimeCompare(offered[:], want[:])
	}
	return match == 1
}
