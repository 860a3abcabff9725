// Package browsertest drives a headless Chromium from Go tests, through
// chromedp: it opens pages, collects every console error, uncaught
// exception, refused resource and failed request, and takes screenshots.
// A test that needs it skips, with a sentence saying what to install, on a
// machine without Chromium.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// ShotsEnv names the environment variable that, when set, is the folder
// screenshots are written to; otherwise they go to a temporary folder
// named in the test log.
const ShotsEnv = "FLINT_SCREENSHOTS"

// Desktop and phone viewports.
const (
	DesktopWidth, DesktopHeight = 1280, 800
	PhoneWidth, PhoneHeight     = 390, 844
)

// Browser is one headless Chromium tab.
type Browser struct {
	t     testing.TB
	ctx   context.Context
	shots string

	// mu guards problems and status.
	mu       sync.Mutex
	problems []string
	status   map[string]int64 // document URL -> HTTP status
}

// chromiumPath finds a Chromium or Chrome binary.
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// New starts a headless Chromium for the test, or skips the test when
// there is none.
func New(t testing.TB) *Browser {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		t.Skip("browser test skipped: no chromium on PATH (install Debian's chromium package: apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.WindowSize(DesktopWidth, DesktopHeight),
		chromedp.Flag("hide-scrollbars", true),
	)
	b := &Browser{t: t, status: map[string]int64{}}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx, chromedp.WithListener(b.listen))
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	b.ctx = ctx
	// The tab enables the runtime, log and network domains as it opens.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium (%s): %v", path, err)
	}
	b.shots = os.Getenv(ShotsEnv)
	if b.shots == "" {
		b.shots = t.TempDir()
	}
	if err := os.MkdirAll(b.shots, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", b.shots)
	return b
}

// listen records what goes wrong on the page.
func (b *Browser) listen(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		what := d.Text // "Uncaught"; the exception itself says what went wrong
		if d.Exception != nil && d.Exception.Description != "" {
			what += " " + d.Exception.Description
		}
		b.problems = append(b.problems, fmt.Sprintf("uncaught exception: %s at %s:%d", what, d.URL, d.LineNumber))
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			b.problems = append(b.problems, "console "+string(ev.Type)+": "+strings.Join(args, " "))
		}
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError {
			b.problems = append(b.problems, fmt.Sprintf("console (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	case *network.EventLoadingFailed:
		if !ev.Canceled {
			b.problems = append(b.problems, fmt.Sprintf("request failed: %s (%s)", ev.ErrorText, ev.BlockedReason))
		}
	case *network.EventResponseReceived:
		if ev.Type == network.ResourceTypeDocument {
			b.status[ev.Response.URL] = ev.Response.Status
		} else if ev.Response.Status >= 400 {
			b.problems = append(b.problems, fmt.Sprintf("%s answered %d", ev.Response.URL, ev.Response.Status))
		}
	}
}

// Do runs chromedp actions in the tab, failing the test on an error.
func (b *Browser) Do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// run runs one action that returns a value.
func run[T any](b *Browser, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("browser: %v", err)
	}
	return v
}

// Eval evaluates a JavaScript expression returning a string.
func (b *Browser) Eval(expr string) string {
	b.t.Helper()
	return run(b, chromedp.Evaluate[string](expr))
}

// Visit opens url at the desktop size and expects the document's status
// and no problem while it loads.
func (b *Browser) Visit(url string, wantStatus int64) {
	b.t.Helper()
	b.Reset()
	b.Do(chromedp.EmulateViewport(DesktopWidth, DesktopHeight), chromedp.Navigate(url),
		chromedp.WaitReady(chromedp.CSS("body")))
	b.mu.Lock()
	got := b.status[url]
	b.mu.Unlock()
	if got != wantStatus {
		b.t.Errorf("%s: status %d, want %d", url, got, wantStatus)
	}
	b.CheckClean(url, wantStatus)
}

// CheckClean fails the test for every problem seen since the last Reset;
// a page expected to answer an error status may log that one.
func (b *Browser) CheckClean(what string, okStatus int64) {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		if okStatus >= 400 && strings.Contains(p, fmt.Sprintf("status of %d", okStatus)) {
			continue
		}
		b.t.Errorf("%s: %s", what, p)
	}
	b.problems = nil
}

// Reset forgets the problems seen so far.
func (b *Browser) Reset() {
	b.mu.Lock()
	b.problems = nil
	b.mu.Unlock()
}

// Text returns the text of the first element matching the CSS selector.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(run(b, chromedp.TextContent(chromedp.CSS(sel))))
}

// Texts returns the texts of every element matching the CSS selector.
func (b *Browser) Texts(sel string) []string {
	b.t.Helper()
	return run(b, chromedp.Evaluate[[]string](fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).map(e => e.textContent.trim())`, sel)))
}

// Screenshot writes the whole page, laid out at width (at least height
// tall), to name.png in the screenshots folder, and returns its path.
func (b *Browser) Screenshot(name string, width, height int64) string {
	b.t.Helper()
	var viewport chromedp.Action[chromedp.Void]
	if width < 600 {
		viewport = chromedp.EmulateViewport(width, height, chromedp.EmulateMobile)
	} else {
		viewport = chromedp.EmulateViewport(width, height)
	}
	b.Do(viewport)
	// Two animation frames: the page is laid out again at the new size.
	run(b, chromedp.Evaluate[string](`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r("laid out"))))`,
		chromedp.EvalAwaitPromise))
	png := run(b, chromedp.FullScreenshot(100))
	b.Do(chromedp.EmulateViewport(DesktopWidth, DesktopHeight))
	path := filepath.Join(b.shots, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return path
}

// Shots returns the screenshots folder.
func (b *Browser) Shots() string { return b.shots }

// navigate opens url and waits for its body.
func navigate(url string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body")))
}
