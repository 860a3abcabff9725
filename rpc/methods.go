package rpc

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/flint-chain/flint/chain"
)

// method is one registered RPC method.
type method struct {
	// name is the method name callers use.
	name string
	// params names the parameters in positional order; the first required
	// ones must be given.
	params   []string
	required int
	// summary is the one-line description help prints.
	summary string
	fn      func(ctx context.Context, s *Server, a args) (any, error)
}

// usage returns "name param1 [param2]".
func (m *method) usage() string {
	var b strings.Builder
	b.WriteString(m.name)
	for i, p := range m.params {
		if i < m.required {
			fmt.Fprintf(&b, " %s", p)
		} else {
			fmt.Fprintf(&b, " [%s]", p)
		}
	}
	return b.String()
}

// registry returns every method by name. Each area adds its own table.
func registry() map[string]*method {
	all := map[string]*method{}
	for _, table := range [][]*method{chainMethods, mempoolMethods, miningMethods, controlMethods, networkMethods} {
		for _, m := range table {
			if all[m.name] != nil {
				panic("rpc: method registered twice: " + m.name)
			}
			all[m.name] = m
		}
	}
	return all
}

// methodNames returns the sorted names of a registry.
func methodNames(ms map[string]*method) []string {
	names := make([]string, 0, len(ms))
	for n := range ms {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// args are a call's parameters in positional order, one slot per declared
// parameter; a slot is nil when the parameter was not given (or null).
type args struct {
	m *method
	v []json.RawMessage
}

// bind maps a request's positional or named params onto m's parameters.
func (m *method) bind(req *request) (args, *Error) {
	a := args{m: m, v: make([]json.RawMessage, len(m.params))}
	switch {
	case req.named != nil:
		for name, v := range req.named {
			i := slices.Index(m.params, name)
			if i < 0 {
				return a, errorf(CodeInvalidParams, "invalid params: %s has no parameter %q (usage: %s)", m.name, name, m.usage())
			}
			a.v[i] = v
		}
	default:
		if len(req.params) > len(m.params) {
			return a, errorf(CodeInvalidParams, "invalid params: %s takes at most %d parameters, got %d (usage: %s)", m.name, len(m.params), len(req.params), m.usage())
		}
		copy(a.v, req.params)
	}
	for i, v := range a.v {
		if bytes.Equal(bytes.TrimSpace(v), nullID) {
			a.v[i] = nil
		}
		if i < m.required && a.v[i] == nil {
			return a, errorf(CodeInvalidParams, "invalid params: missing %s (usage: %s)", m.params[i], m.usage())
		}
	}
	return a, nil
}

// given reports whether parameter i was passed.
func (a args) given(i int) bool { return a.v[i] != nil }

// typeError is the invalid-params error for parameter i.
func (a args) typeError(i int, want string) *Error {
	return errorf(CodeInvalidParams, "invalid params: %s must be %s (usage: %s)", a.m.params[i], want, a.m.usage())
}

// str returns parameter i as a string.
func (a args) str(i int) (string, *Error) {
	var s string
	if json.Unmarshal(a.v[i], &s) != nil {
		return "", a.typeError(i, "a string")
	}
	return s, nil
}

// int returns parameter i as an integer in [lo, hi], or def if not given.
// A float, an exponent or a string is a type error; a value out of range is
// an invalid parameter.
func (a args) int(i int, def, lo, hi int64) (int64, *Error) {
	if !a.given(i) {
		return def, nil
	}
	if raw := bytes.TrimSpace(a.v[i]); len(raw) == 0 || raw[0] == '"' {
		return 0, a.typeError(i, "an integer")
	}
	d := json.NewDecoder(bytes.NewReader(a.v[i]))
	d.UseNumber()
	var n json.Number
	if d.Decode(&n) != nil {
		return 0, a.typeError(i, "an integer")
	}
	v, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil {
		return 0, a.typeError(i, "an integer")
	}
	if v < lo || v > hi {
		return 0, errorf(CodeInvalidParameter, "%s %d is out of range [%d, %d]", a.m.params[i], v, lo, hi)
	}
	return v, nil
}

// boolean returns parameter i as a bool, or def if not given. The numbers 0
// and 1 are accepted too, as Bitcoin Core accepts them for verbose flags.
func (a args) boolean(i int, def bool) (bool, *Error) {
	if !a.given(i) {
		return def, nil
	}
	switch strings.TrimSpace(string(a.v[i])) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, a.typeError(i, "true or false")
}

// hash returns parameter i as a hash in its printed (byte-reversed) form.
func (a args) hash(i int) (chain.Hash, *Error) {
	s, err := a.str(i)
	if err != nil {
		return chain.Hash{}, err
	}
	h, e := chain.NewHashFromStr(s)
	if e != nil {
		return chain.Hash{}, errorf(CodeInvalidParams, "invalid params: %s: %v", a.m.params[i], e)
	}
	return h, nil
}

// hexBytes returns parameter i decoded from hex.
func (a args) hexBytes(i int) ([]byte, *Error) {
	s, err := a.str(i)
	if err != nil {
		return nil, err
	}
	b, e := hex.DecodeString(s)
	if e != nil {
		return nil, errorf(CodeDeserialization, "%s is not hex: %v", a.m.params[i], e)
	}
	return b, nil
}

// address returns the key paid by the address in parameter i; an address
// of another network or a malformed one is -5.
func (a args) address(s *Server, i int) ([32]byte, *Error) {
	str, err := a.str(i)
	if err != nil {
		return [32]byte{}, err
	}
	key, e := chain.DecodeAddress(s.cfg.Params, str)
	if e != nil {
		return key, errorf(CodeInvalidAddressOrKey, "%v (a %s address starts with %q)", e, s.cfg.Params.Name, s.cfg.Params.AddressHRP+"1")
	}
	return key, nil
}

// notFound maps chain.ErrNotFound to -5 and passes other errors on.
func notFound(err error, what string) error {
	if errors.Is(err, chain.ErrNotFound) {
		return errorf(CodeInvalidAddressOrKey, "%s not found", what)
	}
	return err
}

// unavailable is the error of a method whose neighbour the node lacks.
func unavailable(code int, format string, args ...any) *Error {
	return errorf(code, format, args...)
}
