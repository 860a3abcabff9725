package explorer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/flint-chain/flint/chain"
)

// pageFunc builds one page from a request: the view to render, or an error;
// a *pageError chooses the status, any other error is a 500 whose text the
// visitor does not see.
type pageFunc func(r *http.Request) (*view, error)

// view is a page to render: the name of its template and its data.
type view struct {
	template string
	title    string
	data     any
	// fragment renders only the template's "content" without the layout.
	fragment bool
	// live includes the script that refreshes the page from /events.
	live bool
	// status is the HTTP status; 200 if zero.
	status int
}

// pageError is a request the explorer cannot answer: a status and one
// sentence for the visitor.
type pageError struct {
	status int
	msg    string
}

func (e *pageError) Error() string { return e.msg }

// badRequest and notFound build the two page errors visitors meet.
func badRequest(format string, args ...any) error {
	return &pageError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &pageError{status: http.StatusNotFound, msg: fmt.Sprintf(format, args...)}
}

// layoutData is what the layout template sees around every page.
type layoutData struct {
	Title   string
	Network string
	Height  uint32
	Live    bool
	Status  int
	Page    any
}

// pageSet holds one parsed template set per page, each the layout plus
// the page's own file.
type pageSet struct {
	byName map[string]*template.Template
}

// parsePages parses the embedded templates.
func parsePages() (*pageSet, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/parts.html")
	if err != nil {
		return nil, fmt.Errorf("explorer: templates: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	ps := &pageSet{byName: map[string]*template.Template{}}
	for _, name := range names {
		short := strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")
		if short == "layout" || short == "parts" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, name)
		if err != nil {
			return nil, fmt.Errorf("explorer: template %s: %w", name, err)
		}
		ps.byName[short] = t
	}
	return ps, nil
}

// page wraps a pageFunc into a handler: a deadline, the render into a
// buffer (so a failing template never sends half a page), and the error
// page on failure.
func (e *Explorer) page(fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), pageTimeout)
		defer cancel()
		r = r.WithContext(ctx)
		v, err := fn(r)
		var to *redirect
		if errors.As(err, &to) {
			http.Redirect(w, r, to.to, http.StatusSeeOther)
			return
		}
		if err != nil {
			var pe *pageError
			if errors.As(err, &pe) {
				e.renderError(w, r, pe.status, pe.msg)
				return
			}
			e.log.Error("page failed", "path", r.URL.Path, "err", err)
			e.renderError(w, r, http.StatusInternalServerError, "The node could not build this page; its log says why.")
			return
		}
		status := v.status
		if status == 0 {
			status = http.StatusOK
		}
		e.render(w, r, status, v)
	})
}

// render writes v with status.
func (e *Explorer) render(w http.ResponseWriter, r *http.Request, status int, v *view) {
	t := e.pages.byName[v.template]
	if t == nil {
		e.log.Error("no such template", "name", v.template)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	var err error
	if v.fragment {
		err = t.ExecuteTemplate(&buf, "content", v.data)
	} else {
		err = t.Execute(&buf, layoutData{Title: v.title, Network: e.cfg.Params.Name,
			Height: e.cfg.Chain.BestState().Height, Live: v.live, Status: status, Page: v.data})
	}
	if err != nil {
		e.log.Error("template failed", "name", v.template, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

// errorData is the error page's data.
type errorData struct {
	Status  int
	Reason  string
	Message string
	Query   string
}

// renderError writes the error page: the status, its reason and one
// sentence.
func (e *Explorer) renderError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	e.render(w, r, status, &view{template: "error", title: http.StatusText(status),
		data: errorData{Status: status, Reason: http.StatusText(status), Message: msg}})
}

// notFoundPage answers every path no page has.
func (e *Explorer) notFoundPage(r *http.Request) (*view, error) {
	return nil, notFound("There is no page at this address. Try the search box.")
}

// funcs are the template helpers; each returns text that the template
// package escapes.
var funcs = template.FuncMap{
	"short":     shortHash,
	"amount":    func(units uint64) string { return chain.Amount(units).String() + " FLT" },
	"num":       formatInt,
	"bytes":     formatBytes,
	"utc":       func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"age":       formatAge,
	"dur":       formatDuration,
	"ms":        func(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) + " ms" },
	"rate":      formatFeeRate,
	"si":        formatSI,
	"float":     func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) },
	"fixed":     func(prec int, f float64) string { return strconv.FormatFloat(f, 'f', prec, 64) },
	"add":       func(a, b int) int { return a + b },
	"hexbig":    func(b *big.Int) string { return fmt.Sprintf("%x", b) },
	"bitshex":   func(bits uint32) string { return fmt.Sprintf("%08x", bits) },
	"percent":   func(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + "%" },
	"notfirst":  func(i int) bool { return i > 0 },
	"treeDepth": func() int { return treeDepth },
}

// shortHash abbreviates a hash to its first and last eight digits.
func shortHash(h chain.Hash) string {
	s := h.String()
	return s[:8] + "…" + s[len(s)-8:]
}

// formatInt prints n with thin-space thousands separators.
func formatInt(n any) string {
	var s string
	switch v := n.(type) {
	case int:
		s = strconv.Itoa(v)
	case int64:
		s = strconv.FormatInt(v, 10)
	case uint32:
		s = strconv.FormatUint(uint64(v), 10)
	case uint64:
		s = strconv.FormatUint(v, 10)
	default:
		return fmt.Sprint(n)
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteRune(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// formatBytes prints a size in B, kB or MB (powers of 1000).
func formatBytes(n any) string {
	var v float64
	switch x := n.(type) {
	case int:
		v = float64(x)
	case int64:
		v = float64(x)
	case uint64:
		v = float64(x)
	}
	switch {
	case v < 1000:
		return strconv.FormatFloat(v, 'f', 0, 64) + " B"
	case v < 1e6:
		return strconv.FormatFloat(v/1e3, 'f', 1, 64) + " kB"
	}
	return strconv.FormatFloat(v/1e6, 'f', 2, 64) + " MB"
}

// formatAge prints how long ago t was, in the largest sensible unit.
func formatAge(now, t time.Time) string {
	d := now.Sub(t)
	if d < 0 {
		return "in " + formatDuration(-d)
	}
	return formatDuration(d) + " ago"
}

// formatDuration prints d as "42 s", "3 min 5 s", "2 h 10 min" or "3 d 4 h".
func formatDuration(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%d s", s)
	case s < 3600:
		return fmt.Sprintf("%d min %d s", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%d h %d min", s/3600, s%3600/60)
	}
	return fmt.Sprintf("%d d %d h", s/86400, s%86400/3600)
}

// formatFeeRate prints a fee rate in base units per byte.
func formatFeeRate(fee uint64, size int) string {
	if size <= 0 {
		return "–"
	}
	return strconv.FormatFloat(float64(fee)/float64(size), 'f', 2, 64) + " units/B"
}

// formatSI prints v with an SI prefix and unit, e.g. "12.3 MH/s".
func formatSI(v float64, unit string) string {
	prefixes := []string{"", "k", "M", "G", "T", "P", "E"}
	i := 0
	for math.Abs(v) >= 1000 && i < len(prefixes)-1 {
		v /= 1000
		i++
	}
	return strconv.FormatFloat(v, 'f', 3-digits(v), 64) + " " + prefixes[i] + unit
}

// digits is the number of digits before the point of |v| < 1000, at least
// one, so that formatSI prints three significant digits.
func digits(v float64) int {
	v = math.Abs(v)
	switch {
	case v >= 100:
		return 3
	case v >= 10:
		return 2
	}
	return 1
}
