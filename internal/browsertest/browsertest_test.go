package browsertest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestProblemsAreCaught: the checks the explorer's browser test relies on
// do fire — on an inline script refused by the CSP, a missing image, a
// console error and an uncaught exception — and stay quiet on a clean page.
func TestProblemsAreCaught(t *testing.T) {
	b := New(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/clean", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<!DOCTYPE html><html><head><title>ok</title><link rel="icon" href="data:,"></head><body><p id="p">fine</p></body></html>`))
	})
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src 'self'")
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<!DOCTYPE html><html><head><title>broken</title></head><body>` +
			`<script>console.error("boom")</script><img src="/missing.png" alt=""></body></html>`))
	})
	mux.HandleFunc("/throws", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<!DOCTYPE html><html><head><title>throws</title><link rel="icon" href="data:,"></head><body>` +
			`<script>console.error("boom")</script><script>throw new Error("bang")</script></body></html>`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	b.Visit(srv.URL+"/clean", 200)
	if got := b.Text("#p"); got != "fine" {
		t.Errorf("text %q", got)
	}

	b.Reset()
	b.Do(navigate(srv.URL + "/broken"))
	b.mu.Lock()
	problems := strings.Join(b.problems, "\n")
	b.problems = nil
	b.mu.Unlock()
	for _, want := range []string{"Content Security Policy", "missing.png"} {
		if !strings.Contains(problems, want) {
			t.Errorf("problems lack %q:\n%s", want, problems)
		}
	}

	b.Reset()
	b.Do(navigate(srv.URL + "/throws"))
	// The page's events may still be on their way: poll with a deadline.
	deadline := time.Now().Add(10 * time.Second)
	for {
		b.mu.Lock()
		problems = strings.Join(b.problems, "\n")
		b.mu.Unlock()
		if strings.Contains(problems, "boom") && strings.Contains(problems, "bang") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the console error and the exception were not both caught:\n%s", problems)
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.Reset()
}
