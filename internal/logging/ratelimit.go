// Package logging holds Flint's slog handlers.
package logging

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Default limits of NewRateLimited: a line may repeat 10 times in 10 s
// before it is summarised.
const (
	DefaultBurst  = 10
	DefaultWindow = 10 * time.Second
)

// RateLimited is a slog.Handler that passes on at most burst records with
// the same level, message and handler attributes (the subsystem) per
// window. The rest are counted; when the window closes, one record with
// the last one's message and attributes and "repeated"=N, "within"=window
// stands for them. A node mining regtest blocks by the thousand a second
// logs a few lines of each kind and a summary, not a line per block. It
// is safe for concurrent use.
type RateLimited struct {
	next   slog.Handler
	key    string // the attributes and groups added with WithAttrs/WithGroup
	burst  int
	window time.Duration
	state  *rateState
}

// rateState is shared by a handler and those derived from it.
type rateState struct {
	mu    sync.Mutex // guards lines
	lines map[string]*line
	now   func() time.Time
}

// line is one kind of record in its current window.
type line struct {
	start      time.Time
	passed     int
	suppressed int
	last       slog.Record
	next       slog.Handler // the handler that would have written last
	timer      *time.Timer
}

// NewRateLimited wraps next with the given limits.
func NewRateLimited(next slog.Handler, burst int, window time.Duration) *RateLimited {
	return &RateLimited{next: next, burst: burst, window: window,
		state: &rateState{lines: map[string]*line{}, now: time.Now}}
}

// Enabled reports whether next handles level.
func (h *RateLimited) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle passes r on, or counts it when its kind has used its burst.
func (h *RateLimited) Handle(ctx context.Context, r slog.Record) error {
	key := h.key + "\x00" + r.Level.String() + "\x00" + r.Message
	s := h.state
	s.mu.Lock()
	now := s.now()
	l := s.lines[key]
	if l == nil || now.Sub(l.start) >= h.window {
		if l != nil {
			h.flushLocked(l)
		}
		l = &line{start: now}
		s.lines[key] = l
	}
	if l.passed < h.burst {
		l.passed++
		s.mu.Unlock()
		return h.next.Handle(ctx, r)
	}
	l.suppressed++
	l.last, l.next = r.Clone(), h.next
	if l.timer == nil {
		l.timer = time.AfterFunc(l.start.Add(h.window).Sub(now), func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.lines[key] == l {
				h.flushLocked(l)
				delete(s.lines, key)
			}
		})
	}
	s.mu.Unlock()
	return nil
}

// flushLocked writes l's summary, if it suppressed anything. The caller
// holds s.mu, which keeps summaries in order with the lines after them.
func (h *RateLimited) flushLocked(l *line) {
	if l.timer != nil {
		l.timer.Stop()
	}
	if l.suppressed == 0 {
		return
	}
	r := l.last
	r.AddAttrs(slog.Int("repeated", l.suppressed), slog.Duration("within", h.window))
	l.next.Handle(context.Background(), r)
	l.suppressed = 0
}

// WithAttrs returns a handler whose records carry attrs; its lines are
// counted apart from this handler's.
func (h *RateLimited) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.next = h.next.WithAttrs(attrs)
	for _, a := range attrs {
		c.key += a.String() + " "
	}
	return &c
}

// WithGroup returns a handler that puts later attributes in group name.
func (h *RateLimited) WithGroup(name string) slog.Handler {
	c := *h
	c.next = h.next.WithGroup(name)
	c.key += name + "."
	return &c
}
