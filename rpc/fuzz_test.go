package rpc

import (
	"encoding/json"
	"testing"
)

// FuzzDecodeBody feeds arbitrary bodies to the request decoder: it must
// never panic, and every call it returns is either a request with a method
// or carries the error to answer, with an id that is valid JSON.
func FuzzDecodeBody(f *testing.F) {
	for _, seed := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"getblockcount"}`,
		`{"jsonrpc":"2.0","id":"a","method":"getblockhash","params":[0]}`,
		`{"jsonrpc":"2.0","id":null,"method":"getblock","params":{"blockhash":"00","verbosity":2}}`,
		`{"jsonrpc":"2.0","method":"stop"}`,
		`{"id":1,"method":"getblockcount"}`,
		`[{"jsonrpc":"2.0","id":1,"method":"a"},1,[],{"id":{}}]`,
		`[]`, `{}`, `null`, `"x"`, `{"jsonrpc":2}`, `{"id":[1]}`, `{"params":"x","method":"m"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		calls, batch, err := decodeBody(body)
		if err != nil {
			if calls != nil || err.Code == 0 || err.Message == "" {
				t.Fatalf("error %+v with calls %v", err, calls)
			}
			if _, e := json.Marshal(errorResponse(nil, err)); e != nil {
				t.Fatal(e)
			}
			return
		}
		if len(calls) == 0 || (!batch && len(calls) != 1) || len(calls) > maxBatch {
			t.Fatalf("%d calls, batch %v", len(calls), batch)
		}
		for _, c := range calls {
			if c.err == nil && c.req.method == "" {
				t.Fatal("a call without a method and without an error")
			}
			if c.err != nil && c.req.id == nil {
				t.Fatal("an invalid call would go unanswered")
			}
			if c.req.id != nil && !json.Valid(c.req.id) {
				t.Fatalf("id %q is not JSON", c.req.id)
			}
			if c.req.params != nil && c.req.named != nil {
				t.Fatal("both positional and named params")
			}
			resp := errorResponse(c.req.id, errorf(CodeInternal, "x"))
			if c.err == nil {
				resp = response{JSONRPC: "2.0", Result: json.RawMessage("1"), ID: orNull(c.req.id)}
			}
			if _, e := json.Marshal(resp); e != nil {
				t.Fatalf("response does not encode: %v", e)
			}
		}
	})
}
