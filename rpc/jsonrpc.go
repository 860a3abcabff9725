package rpc

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// JSON-RPC 2.0 error codes, and the Bitcoin Core application codes Flint
// uses with the same meaning (Bitcoin Core's src/rpc/protocol.h). Every code
// is listed in docs/rpc.md.
const (
	// CodeParseError: the body is not JSON.
	CodeParseError = -32700
	// CodeInvalidRequest: the JSON is not a valid request object (or the
	// body is too large, or a batch is empty or too long).
	CodeInvalidRequest = -32600
	// CodeMethodNotFound: no method of that name.
	CodeMethodNotFound = -32601
	// CodeInvalidParams: wrong number or type of parameters.
	CodeInvalidParams = -32602
	// CodeInternal: a failure inside the node (database error, bug).
	CodeInternal = -32603

	// CodeMisc: a feature the node was started without (no miner, no
	// Generate outside regtest and dev mode, no stop handler).
	CodeMisc = -1
	// CodeInvalidAddressOrKey: an address that does not decode for this
	// network, or a block or transaction that is not found.
	CodeInvalidAddressOrKey = -5
	// CodeInvalidParameter: a parameter of the right type but an unusable
	// value (a height above the tip, a verbosity of 7).
	CodeInvalidParameter = -8
	// CodeDeserialization: hex that does not decode to a block or a
	// transaction.
	CodeDeserialization = -22
	// CodeVerify: a transaction spends outputs that do not exist or are
	// already spent (sendrawtransaction).
	CodeVerify = -25
	// CodeVerifyRejected: a transaction refused by a consensus rule or the
	// mempool's policy (sendrawtransaction).
	CodeVerifyRejected = -26
	// CodeVerifyAlreadyInChain: the transaction is already in a block.
	CodeVerifyAlreadyInChain = -27
	// CodeMempoolDisabled: the node runs without a mempool.
	CodeMempoolDisabled = -33
	// CodeNodeNotAdded: addnode remove of a node that was not added.
	CodeNodeNotAdded = -24
	// CodeNodeNotConnected: disconnectnode of a peer that is not connected,
	// or addnode onetry that could not connect.
	CodeNodeNotConnected = -29
	// CodeInvalidIPOrSubnet: setban of something that is neither a peer ID
	// nor an IP address, or a remove of a ban that does not exist.
	CodeInvalidIPOrSubnet = -30
	// CodeP2PDisabled: a network method on a node running without p2p.
	CodeP2PDisabled = -31
)

// Error is a JSON-RPC error object. Handlers return it to choose the code;
// the Client returns it (use errors.As) when the server answered with an
// error.
type Error struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Error satisfies the error interface.
func (e *Error) Error() string { return fmt.Sprintf("rpc error %d: %s", e.Code, e.Message) }

// errorf returns an *Error with a formatted message.
func errorf(code int, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// maxBatch bounds the number of calls in one batch request.
const maxBatch = 1000

// request is one decoded call.
type request struct {
	// id is the raw JSON id: a string, a number or null; nil for a
	// notification, which gets no response.
	id json.RawMessage
	// method is the method name.
	method string
	// params holds the positional params (nil if none) ...
	params []json.RawMessage
	// ... or the named params (nil if positional or none).
	named map[string]json.RawMessage
}

// notification reports whether the call expects no response.
func (r *request) notification() bool { return r.id == nil }

// wireRequest is the shape of a request object on the wire.
type wireRequest struct {
	JSONRPC json.RawMessage `json:"jsonrpc"`
	Method  json.RawMessage `json:"method"`
	Params  json.RawMessage `json:"params"`
	ID      json.RawMessage `json:"id"`
}

// response is one JSON-RPC 2.0 response object. Exactly one of Result and
// Error is set; a null result is the JSON literal null.
type response struct {
	JSONRPC string          `json:"jsonrpc"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *Error          `json:"error,omitempty"`
	ID      json.RawMessage `json:"id"`
}

// nullID is the id of a response to a request whose id could not be read.
var nullID = json.RawMessage("null")

// errorResponse builds an error response for id.
func errorResponse(id json.RawMessage, e *Error) response {
	if id == nil {
		id = nullID
	}
	return response{JSONRPC: "2.0", Error: e, ID: id}
}

// decodeBody splits an HTTP body into its calls. batch reports whether the
// body was a JSON array. A body that is not JSON gives a parse error; an
// empty or oversized batch an invalid-request error. Calls that are not
// valid request objects come back as elements of bad (index into the
// batch order) with the error each must be answered with, so that a batch
// with one bad element still runs the others.
func decodeBody(body []byte) (calls []decoded, batch bool, err *Error) {
	body = bytes.TrimSpace(body)
	if !json.Valid(body) {
		return nil, false, errorf(CodeParseError, "parse error: the body is not valid JSON")
	}
	if len(body) > 0 && body[0] == '[' {
		var elems []json.RawMessage
		if e := json.Unmarshal(body, &elems); e != nil {
			return nil, true, errorf(CodeParseError, "parse error: %v", e)
		}
		if len(elems) == 0 {
			return nil, true, errorf(CodeInvalidRequest, "invalid request: empty batch")
		}
		if len(elems) > maxBatch {
			return nil, true, errorf(CodeInvalidRequest, "invalid request: batch of %d calls exceeds %d", len(elems), maxBatch)
		}
		calls = make([]decoded, len(elems))
		for i, el := range elems {
			calls[i] = decodeRequest(el)
		}
		return calls, true, nil
	}
	return []decoded{decodeRequest(body)}, false, nil
}

// decoded is a call or the reason it is not one.
type decoded struct {
	req request
	err *Error // set when the element is not a valid request
}

// decodeRequest decodes one request object. It never panics on any input.
// A call it refuses always has an id (null if none could be read), so that
// it is answered.
func decodeRequest(raw json.RawMessage) decoded {
	d := decodeRequestObject(raw)
	if d.err != nil {
		d.req.id = orNull(d.req.id)
	}
	return d
}

// decodeRequestObject does decodeRequest's work.
func decodeRequestObject(raw json.RawMessage) decoded {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return decoded{err: errorf(CodeInvalidRequest, "invalid request: want a JSON object")}
	}
	var w wireRequest
	if e := json.Unmarshal(raw, &w); e != nil {
		return decoded{err: errorf(CodeInvalidRequest, "invalid request: %v", e)}
	}
	var d decoded
	// The id first, so that later errors are answered with it.
	if w.ID != nil {
		switch w.ID[0] {
		case '"', 'n', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			d.req.id = w.ID
		default:
			return decoded{err: errorf(CodeInvalidRequest, "invalid request: id must be a string, a number or null")}
		}
	}
	legacy := w.JSONRPC == nil
	if w.JSONRPC != nil {
		var v string
		if json.Unmarshal(w.JSONRPC, &v) != nil || (v != "2.0" && v != "1.0") {
			d.err = errorf(CodeInvalidRequest, `invalid request: "jsonrpc" must be "2.0"`)
			return d
		}
		legacy = v == "1.0"
	}
	if legacy && d.req.id == nil {
		// JSON-RPC 1.0 has no notifications: every call is answered.
		d.req.id = nullID
	}
	if w.Method == nil || json.Unmarshal(w.Method, &d.req.method) != nil || d.req.method == "" {
		d.err = errorf(CodeInvalidRequest, `invalid request: "method" must be a non-empty string`)
		return d
	}
	switch {
	case w.Params == nil || bytes.Equal(w.Params, nullID):
	case w.Params[0] == '[':
		if e := json.Unmarshal(w.Params, &d.req.params); e != nil {
			d.err = errorf(CodeInvalidRequest, "invalid request: params: %v", e)
		}
	case w.Params[0] == '{':
		if e := json.Unmarshal(w.Params, &d.req.named); e != nil {
			d.err = errorf(CodeInvalidRequest, "invalid request: params: %v", e)
		}
	default:
		d.err = errorf(CodeInvalidRequest, "invalid request: params must be an array or an object")
	}
	return d
}

// orNull returns id, or null for a notification: a request so malformed it
// cannot be trusted to be a notification is answered (JSON-RPC 2.0 §5).
func orNull(id json.RawMessage) json.RawMessage {
	if id == nil {
		return nullID
	}
	return id
}
