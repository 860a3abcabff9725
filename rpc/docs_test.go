package rpc

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestDocsListEveryMethod checks docs/rpc.md against the registry: every
// method has a "### name" section and every such section is a method, with
// a JSON example request calling it and a JSON example response.
func TestDocsListEveryMethod(t *testing.T) {
	raw, err := os.ReadFile("../docs/rpc.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	heading := regexp.MustCompile("(?m)^### `?([a-z]+)`?\\s*$")
	codeBlock := regexp.MustCompile("(?s)```json\\n(.*?)```")
	documented := map[string]bool{}
	locs := heading.FindAllStringSubmatchIndex(doc, -1)
	for i, loc := range locs {
		name := doc[loc[2]:loc[3]]
		end := len(doc)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		if next := strings.Index(doc[loc[1]:end], "\n## "); next >= 0 {
			end = loc[1] + next
		}
		documented[name] = true
		blocks := codeBlock.FindAllStringSubmatch(doc[loc[1]:end], -1)
		if len(blocks) < 2 {
			t.Errorf("%s: want an example request and response, found %d json blocks", name, len(blocks))
			continue
		}
		var req struct {
			Method string `json:"method"`
		}
		if err := json.Unmarshal([]byte(blocks[0][1]), &req); err != nil || req.Method != name {
			t.Errorf("%s: the first json block is not a request calling it (method %q, %v)", name, req.Method, err)
		}
		for _, b := range blocks {
			if !json.Valid([]byte(b[1])) {
				t.Errorf("%s: example is not valid JSON:\n%s", name, b[1])
			}
		}
	}
	registered := registry()
	for _, name := range methodNames(registered) {
		if !documented[name] {
			t.Errorf("method %s is registered but docs/rpc.md has no \"### %s\" section", name, name)
		}
	}
	for name := range documented {
		if registered[name] == nil {
			t.Errorf("docs/rpc.md documents %s, which is not a registered method", name)
		}
	}
	// The summary table names every method once.
	summary := doc[strings.Index(doc, "| area | methods |"):]
	summary = summary[:strings.Index(summary, "\n\n")]
	listed := map[string]int{}
	for _, line := range strings.Split(summary, "\n")[2:] {
		cells := strings.Split(line, "|")
		if len(cells) < 3 {
			t.Fatalf("summary row %q", line)
		}
		for _, m := range strings.Split(cells[2], ",") {
			listed[strings.TrimSpace(m)]++
		}
	}
	for _, name := range methodNames(registered) {
		if listed[name] != 1 {
			t.Errorf("the summary table lists method %s %d times, want once", name, listed[name])
		}
	}
	for _, code := range []string{"-32700", "-32600", "-32601", "-32602", "-32603", "-1", "-5", "-8", "-22", "-25", "-26", "-27", "-33"} {
		if !strings.Contains(doc, "| "+code+" ") {
			t.Errorf("docs/rpc.md does not list error code %s", code)
		}
	}
}
