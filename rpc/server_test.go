package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestAuth(t *testing.T) {
	cookie := filepath.Join(t.TempDir(), ".cookie")
	h := newHarness(t, func(h *harness, cfg *Config) { cfg.CookiePath = cookie })
	ctx := ctxT(t)
	call := []byte(`{"jsonrpc":"2.0","id":1,"method":"getblockcount"}`)

	t.Run("no credentials", func(t *testing.T) {
		status, body := h.rawPost(call, "", "")
		if status != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", status)
		}
		if strings.Contains(string(body), "result") {
			t.Fatalf("a refused call answered: %s", body)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		if status, _ := h.rawPost(call, testUser, "wrong"); status != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", status)
		}
		_, err := NewClient(h.url, Auth{User: CookieUser, Password: "00"}).GetBlockCount(ctx)
		if !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("client error %v, want ErrUnauthorized", err)
		}
	})
	t.Run("events need credentials", func(t *testing.T) {
		_, err := NewClient(h.url, Auth{}).Events(ctx, 0)
		if !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("got %v, want ErrUnauthorized", err)
		}
	})
	t.Run("cookie", func(t *testing.T) {
		fi, err := os.Stat(cookie)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("cookie mode %v, want 0600", fi.Mode().Perm())
		}
		raw, _ := os.ReadFile(cookie)
		if !regexp.MustCompile(`^__cookie__:[0-9a-f]{64}$`).Match(raw) {
			t.Fatalf("cookie content %q", raw)
		}
		auth, err := ReadCookie(cookie)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(auth.String(), auth.Password) {
			t.Fatal("Auth.String shows the password")
		}
		if _, err := NewClient(h.url, auth).GetBlockCount(ctx); err != nil {
			t.Fatalf("cookie refused: %v", err)
		}
		if _, err := h.client.GetBlockCount(ctx); err != nil {
			t.Fatalf("user and password refused next to a cookie: %v", err)
		}
		h.shutdown()
		if _, err := os.Stat(cookie); !os.IsNotExist(err) {
			t.Fatalf("cookie left behind after shutdown: %v", err)
		}
		if _, err := ReadCookie(cookie); err == nil || !strings.Contains(err.Error(), "is the node running") {
			t.Fatalf("ReadCookie of a missing file: %v", err)
		}
	})
}

func TestNewServerRefusesNoAuth(t *testing.T) {
	h := newHarness(t, nil)
	for _, cfg := range []Config{
		{Params: h.params, Chain: h.chain},
		{Params: h.params, Chain: h.chain, User: "u"},
		{Params: h.params, User: "u", Password: "p"},
	} {
		if _, err := NewServer(cfg); err == nil {
			t.Errorf("NewServer accepted %+v", cfg)
		}
	}
}

func TestProtocolErrors(t *testing.T) {
	h := newHarness(t, nil)
	post := func(body string) (int, []byte) { return h.rawPost([]byte(body), testUser, testPassword) }
	wantError := func(t *testing.T, body string, code int) response {
		t.Helper()
		status, out := post(body)
		if status != http.StatusOK {
			t.Fatalf("status %d for %s", status, body)
		}
		r := decodeResponse(t, out)
		if r.Error == nil || r.Error.Code != code || r.Error.Message == "" || r.Result != nil {
			t.Fatalf("%s answered %s, want error %d", body, out, code)
		}
		return r
	}

	t.Run("malformed JSON", func(t *testing.T) {
		r := wantError(t, `{"jsonrpc":"2.0","id":1,"method":`, CodeParseError)
		if string(r.ID) != "null" {
			t.Fatalf("id %s, want null", r.ID)
		}
	})
	t.Run("unknown method", func(t *testing.T) {
		r := wantError(t, `{"jsonrpc":"2.0","id":"x7","method":"getauxblock"}`, CodeMethodNotFound)
		if string(r.ID) != `"x7"` {
			t.Fatalf("id %s", r.ID)
		}
	})
	t.Run("invalid request", func(t *testing.T) {
		wantError(t, `{"jsonrpc":"2.0","id":1}`, CodeInvalidRequest)
		wantError(t, `{"jsonrpc":"3.0","id":1,"method":"getblockcount"}`, CodeInvalidRequest)
		wantError(t, `{"jsonrpc":"2.0","id":{},"method":"getblockcount"}`, CodeInvalidRequest)
		wantError(t, `{"jsonrpc":"2.0","id":1,"method":"getblockcount","params":"x"}`, CodeInvalidRequest)
		wantError(t, `42`, CodeInvalidRequest)
		wantError(t, `[]`, CodeInvalidRequest)
	})
	t.Run("invalid params", func(t *testing.T) {
		wantError(t, `{"jsonrpc":"2.0","id":1,"method":"getblockhash"}`, CodeInvalidParams)
		wantError(t, `{"jsonrpc":"2.0","id":1,"method":"getblockhash","params":["one"]}`, CodeInvalidParams)
		wantError(t, `{"jsonrpc":"2.0","id":1,"method":"getblockhash","params":[0,1]}`, CodeInvalidParams)
		wantError(t, `{"jsonrpc":"2.0","id":1,"method":"getblockhash","params":{"hieght":0}}`, CodeInvalidParams)
		wantError(t, `{"jsonrpc":"2.0","id":1,"method":"getblock","params":[7]}`, CodeInvalidParams)
	})
	t.Run("named params and legacy 1.0", func(t *testing.T) {
		_, out := post(`{"jsonrpc":"2.0","id":5,"method":"getblockhash","params":{"height":0}}`)
		if r := decodeResponse(t, out); r.Error != nil || !strings.Contains(string(r.Result), h.params.GenesisHash.String()) {
			t.Fatalf("named params: %s", out)
		}
		_, out = post(`{"id":"legacy","method":"getblockcount","params":[]}`)
		if r := decodeResponse(t, out); r.Error != nil || string(r.Result) != "0" || r.JSONRPC != "2.0" {
			t.Fatalf("legacy call: %s", out)
		}
	})
	t.Run("body over the cap", func(t *testing.T) {
		big := `{"jsonrpc":"2.0","id":1,"method":"getblockcount","params":["` + strings.Repeat("a", MaxBodySize) + `"]}`
		status, out := post(big)
		if status != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d, want 413", status)
		}
		if r := decodeResponse(t, out); r.Error == nil || r.Error.Code != CodeInvalidRequest {
			t.Fatalf("body %s", out)
		}
		// The server is still there.
		if _, err := h.client.GetBlockCount(ctxT(t)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("GET is refused", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, h.url+"/", nil)
		req.SetBasicAuth(testUser, testPassword)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
	t.Run("notification only", func(t *testing.T) {
		status, out := post(`{"jsonrpc":"2.0","method":"getblockcount"}`)
		if status != http.StatusNoContent || len(out) != 0 {
			t.Fatalf("status %d, body %q", status, out)
		}
	})
}

func TestBatch(t *testing.T) {
	h := newHarness(t, nil)
	body := `[
		{"jsonrpc":"2.0","id":1,"method":"getblockcount"},
		{"jsonrpc":"2.0","method":"getblockcount"},
		{"jsonrpc":"2.0","id":"b","method":"nosuch"},
		{"jsonrpc":"2.0","id":3,"method":"getblockhash","params":[0]},
		17,
		{"jsonrpc":"2.0","id":4,"method":"getblockhash","params":["x"]}
	]`
	status, out := h.rawPost([]byte(body), testUser, testPassword)
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	var rs []response
	if err := json.Unmarshal(out, &rs); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	want := []struct {
		id   string
		code int // 0: a result
	}{{"1", 0}, {`"b"`, CodeMethodNotFound}, {"3", 0}, {"null", CodeInvalidRequest}, {"4", CodeInvalidParams}}
	if len(rs) != len(want) {
		t.Fatalf("got %d responses, want %d (the notification is not answered): %s", len(rs), len(want), out)
	}
	for i, w := range want {
		r := rs[i]
		if string(r.ID) != w.id {
			t.Errorf("response %d: id %s, want %s", i, r.ID, w.id)
		}
		switch {
		case w.code == 0 && (r.Error != nil || r.Result == nil):
			t.Errorf("response %d: %+v, want a result", i, r)
		case w.code != 0 && (r.Error == nil || r.Error.Code != w.code):
			t.Errorf("response %d: %+v, want error %d", i, r, w.code)
		}
	}
	if string(rs[2].Result) != `"`+h.params.GenesisHash.String()+`"` {
		t.Errorf("getblockhash 0 in a batch: %s", rs[2].Result)
	}

	many := "[" + strings.TrimSuffix(strings.Repeat(`{"jsonrpc":"2.0","id":1,"method":"getblockcount"},`, maxBatch+1), ",") + "]"
	_, out = h.rawPost([]byte(many), testUser, testPassword)
	if r := decodeResponse(t, out); r.Error == nil || r.Error.Code != CodeInvalidRequest {
		t.Fatalf("oversized batch: %s", out)
	}
}

func TestServeShutdown(t *testing.T) {
	h := newHarness(t, nil)
	ctx := ctxT(t)
	stream, err := h.client.Events(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	if ev, err := stream.Next(); err != nil || ev.Type != EventHello {
		t.Fatalf("hello: %+v, %v", ev, err)
	}
	start := time.Now()
	h.shutdown() // fails the test if Serve does not return
	if took := time.Since(start); took > shutdownGrace {
		t.Fatalf("shutdown with an open stream took %v", took)
	}
	if _, err := stream.Next(); err == nil {
		t.Fatal("the stream outlived the server")
	}
	if _, err := h.client.GetBlockCount(context.Background()); err == nil {
		t.Fatal("the server still answers after shutdown")
	}
}
