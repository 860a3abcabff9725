package rpc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// FuzzEventStream feeds arbitrary bytes to the /events client parser as a
// stream. It never panics and ends with io.EOF, ErrBadEvent or a line too
// long; every event it returns, written back in the stream's format (one
// data line per line of payload), parses to itself.
func FuzzEventStream(f *testing.F) {
	for _, seed := range []string{
		"retry: 2000\nevent: hello\ndata: {\"seq\":3}\n\n",
		"id: 4\nevent: block\ndata: {\"hash\":\"00\",\"height\":1}\n\n: heartbeat\n\nid: 5\nevent: tx\ndata: {}\n\n",
		"id: x\nevent: block\n\n",
		"data: a\ndata: b\n\n",
		"id: 18446744073709551616\n\n",
		"event:block\nid:1\n\n\n\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, stream []byte) {
		events, err := readEvents(stream)
		if err != io.EOF && !errors.Is(err, ErrBadEvent) && !strings.Contains(err.Error(), "token too long") {
			t.Fatalf("stream ended with %v", err)
		}
		for _, ev := range events {
			if strings.ContainsAny(string(ev.Type), "\r\n") {
				continue // not writable in the format
			}
			text := fmt.Sprintf("id: %d\nevent: %s\n", ev.Seq, ev.Type)
			for _, line := range strings.Split(string(ev.Data), "\n") {
				text += "data: " + line + "\n"
			}
			back, err := readEvents([]byte(text + "\n"))
			if err != io.EOF || len(back) != 1 {
				t.Fatalf("event %+v written back: %d events, %v", ev, len(back), err)
			}
			if back[0].Seq != ev.Seq || back[0].Type != ev.Type || !bytes.Equal(back[0].Data, ev.Data) {
				t.Fatalf("event %+v written back parses as %+v", ev, back[0])
			}
		}
	})
}

// readEvents reads a stream to its end.
func readEvents(stream []byte) ([]StreamEvent, error) {
	s := newEventStream(io.NopCloser(bytes.NewReader(stream)))
	var out []StreamEvent
	for {
		ev, err := s.Next()
		if err != nil {
			return out, err
		}
		out = append(out, ev)
	}
}

// FuzzParseCookie hands arbitrary bytes to the cookie reader. It never
// panics; a cookie it accepts, written as the node writes it, reads back
// the same; one it refuses is ErrBadCookie.
func FuzzParseCookie(f *testing.F) {
	for _, seed := range []string{
		CookieUser + ":0123456789abcdef", CookieUser + ":ab\n", "user:pa:ss", ":x", "x:", "nocolon", " \t\n", "",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := parseCookie(b)
		if err != nil {
			if !errors.Is(err, ErrBadCookie) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if a.User == "" || a.Password == "" || strings.Contains(a.User, ":") {
			t.Fatalf("accepted %q as %q:%q", b, a.User, a.Password)
		}
		back, err := parseCookie([]byte(a.User + ":" + a.Password))
		if err != nil || back != a {
			t.Fatalf("%q written back reads as %+v, %v", b, back, err)
		}
	})
}
