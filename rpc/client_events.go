package rpc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// maxEventLine bounds one line of the event stream the client reads.
const maxEventLine = 4 << 20

// StreamEvent is one event read from /events.
type StreamEvent struct {
	// Seq is the event's sequence number; 0 for hello, which carries none.
	Seq uint64
	// Type is the event name.
	Type EventType
	// Data is the JSON payload (BlockEventData, TxEventData or HelloData).
	Data json.RawMessage
}

// Decode unmarshals the payload into v.
func (e *StreamEvent) Decode(v any) error { return json.Unmarshal(e.Data, v) }

// ErrBadEvent is returned (wrapped) by EventStream.Next for an event the
// client cannot read: a non-numeric id.
var ErrBadEvent = errors.New("rpc: events: malformed event")

// EventStream reads a node's /events stream. Close it when done.
type EventStream struct {
	body io.ReadCloser
	sc   *bufio.Scanner
}

// Events connects to the node's /events stream. With lastSeq > 0 the
// server first replays the events it still keeps after lastSeq. The stream
// ends when ctx ends, the node shuts down or drops the client as too slow.
func (c *Client) Events(ctx context.Context, lastSeq uint64) (*EventStream, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url+"/events", nil)
	if err != nil {
		return nil, fmt.Errorf("rpc: %w", err)
	}
	req.SetBasicAuth(c.auth.User, c.auth.Password)
	req.Header.Set("Accept", "text/event-stream")
	if lastSeq > 0 {
		req.Header.Set("Last-Event-ID", strconv.FormatUint(lastSeq, 10))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("rpc: cannot reach the node at %s: %w", c.url, err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusUnauthorized:
		resp.Body.Close()
		return nil, ErrUnauthorized
	default:
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		return nil, fmt.Errorf("rpc: events: HTTP %s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	return newEventStream(resp.Body), nil
}

// newEventStream reads events from body.
func newEventStream(body io.ReadCloser) *EventStream {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 0, 64<<10), maxEventLine)
	return &EventStream{body: body, sc: sc}
}

// Next blocks until the next event and returns it; io.EOF when the stream
// ended.
func (s *EventStream) Next() (StreamEvent, error) {
	var ev StreamEvent
	var data []string
	seen := false
	for s.sc.Scan() {
		line := s.sc.Text()
		if line == "" {
			if seen {
				ev.Data = json.RawMessage(strings.Join(data, "\n"))
				return ev, nil
			}
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue // a comment: the heartbeat
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "id":
			n, err := strconv.ParseUint(value, 10, 64)
			if err != nil {
				return ev, fmt.Errorf("%w: bad id %q", ErrBadEvent, value)
			}
			ev.Seq, seen = n, true
		case "event":
			ev.Type, seen = EventType(value), true
		case "data":
			data, seen = append(data, value), true
		}
	}
	if err := s.sc.Err(); err != nil {
		return ev, fmt.Errorf("rpc: events: %w", err)
	}
	return ev, io.EOF
}

// Close ends the stream.
func (s *EventStream) Close() error { return s.body.Close() }
