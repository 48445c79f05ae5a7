package e2e

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/switchboard/switchboard/httpapi/openapitest"
)

// badRequest is one malformed request of the bad-input suite. path is already escaped.
type badRequest struct {
	kind        string // the mutation, for the report
	method      string
	path        string
	body        []byte
	contentType string
	token       string
}

// badInputTarget names what the generated requests aim at: a connected instance of the
// account, and JIDs that exist in the simulator, so that bodies which survive the mutation
// reach WhatsApp rather than stopping at "not found".
type badInputTarget struct {
	account, instance, instanceToken string
	communityJID, groupJID           string
	phone                            string // the instance's simulated phone, the account's
}

// generateBadRequests draws n malformed requests across every operation of the document, each
// with one mutation applied to a request the route would accept. Operations that would log the
// instance out or delete it (logout, delete, reconnect) only ever get mangled paths, so the suite
// keeps one live instance to test against; every other route gets its instance's real name.
func generateBadRequests(ops []openapitest.Operation, tgt badInputTarget, n int, rng *rand.Rand) []badRequest {
	out := make([]badRequest, 0, n)
	for len(out) < n {
		op := ops[rng.IntN(len(ops))]
		g := caseGen{op: op, tgt: tgt, rng: rng}
		out = append(out, g.draw())
	}
	return out
}

type caseGen struct {
	op  openapitest.Operation
	tgt badInputTarget
	rng *rand.Rand
}

func (g caseGen) hasBody() bool {
	return g.op.Method == http.MethodPost || g.op.Method == http.MethodPut
}

// destructive operations end the instance's session or revoke its token: they never see the real name.
func (g caseGen) destructive() bool {
	return strings.Contains(g.op.Path, "/logout/") || strings.Contains(g.op.Path, "/delete/") || strings.Contains(g.op.Path, "/rotateToken/") ||
		strings.Contains(g.op.Path, "/reconnect/")
}

// token picks the token a route accepts: account-only routes need the account's.
func (g caseGen) token() string {
	if g.op.Scope == "account" || g.rng.IntN(2) == 0 {
		return g.tgt.account
	}
	return g.tgt.instanceToken
}

func (g caseGen) draw() badRequest {
	type mutation struct {
		kind string
		ok   bool
		make func() badRequest
	}
	body := g.hasBody()
	mutations := []mutation{
		{"bad path value", strings.Contains(g.op.Path, "{"), g.badPath},
		{"bad query value", true, g.badQuery},
		{"wrong method", true, g.wrongMethod},
		{"truncated JSON", body, g.truncated},
		{"wrong type", body, g.wrongType},
		{"null", body, g.nulls},
		{"deep nesting", body, g.deepNesting},
		{"invalid UTF-8", body, g.invalidUTF8},
		{"huge body", body && g.rng.IntN(10) == 0, g.hugeBody}, // 2 MiB each: a few hundred at most
		{"wrong content type", body, g.wrongContentType},
		{"unknown fields", body, g.unknownFields},
		{"trailing garbage", body, g.trailingGarbage},
		{"odd string", body, g.oddString},
		{"odd number", body, g.oddNumber},
		{"long array", body, g.longArray},
		{"not JSON", body, g.notJSON},
	}
	mutations = slices.DeleteFunc(mutations, func(m mutation) bool { return !m.ok })
	m := mutations[g.rng.IntN(len(mutations))]
	req := m.make()
	req.kind = m.kind
	return req
}

// request is the operation with a path that reaches its handler and, for routes with a body,
// its documented example.
func (g caseGen) request(body []byte) badRequest {
	return badRequest{method: g.op.Method, path: g.path(url.PathEscape(g.instanceName())), body: body,
		contentType: "application/json", token: g.token()}
}

func (g caseGen) instanceName() string {
	if g.destructive() {
		return "not-" + g.tgt.instance
	}
	return g.tgt.instance
}

// path fills the template: {instance} with instance (escaped), {jid} with the test group.
func (g caseGen) path(instance string) string {
	return strings.NewReplacer("{instance}", instance, "{jid}", url.PathEscape(g.tgt.groupJID), "{phone}", g.tgt.phone).Replace(g.op.Path) + g.baseQuery()
}

// baseQuery gives GET routes that need one the query a well-formed call carries.
func (g caseGen) baseQuery() string {
	switch {
	case strings.Contains(g.op.Path, "/community/listSubGroups/"), strings.Contains(g.op.Path, "/community/participants/"):
		return "?communityJid=" + url.QueryEscape(g.tgt.communityJID)
	case strings.Contains(g.op.Path, "/group/info/"), strings.Contains(g.op.Path, "/group/requests/"),
		strings.Contains(g.op.Path, "/group/leave/"):
		return "?identifier=" + url.QueryEscape(g.tgt.groupJID)
	}
	return ""
}

// example is the operation's documented body pointed at the test's community and group.
func (g caseGen) example() map[string]any {
	m := map[string]any{}
	if ex, ok := g.op.RequestExample.(map[string]any); ok {
		raw, _ := json.Marshal(ex)
		_ = json.Unmarshal(raw, &m)
	}
	for k, v := range m {
		switch k {
		case "communityJid":
			m[k] = g.tgt.communityJID
		case "identifier":
			if s, _ := v.(string); !strings.HasPrefix(s, "https://") {
				m[k] = g.tgt.groupJID
			}
		case "groupJid":
			m[k] = []any{g.tgt.groupJID}
		}
	}
	return m
}

func (g caseGen) exampleJSON() []byte {
	raw, _ := json.Marshal(g.example())
	return raw
}

func (g caseGen) pick(options ...string) string { return options[g.rng.IntN(len(options))] }

// badPathValues are {instance} or {jid} values no route should choke on.
var badPathValues = []string{
	"", "%20", "%00", "%FF%FE", "..%2F..%2Fetc", "%2F", "a%0Ab", "%E2%80%AE", "%F0%9F%92%A9",
	"%25", "%27%20OR%201%3D1--", "%3Cscript%3E", "x%00y", "%C0%AF",
}

func (g caseGen) badPath() badRequest {
	req := g.request(nil)
	if g.hasBody() {
		req.body = g.exampleJSON()
	}
	value := g.pick(badPathValues...)
	if g.rng.IntN(5) == 0 {
		value = strings.Repeat("n", 1+g.rng.IntN(8000))
	}
	template := strings.ReplaceAll(g.op.Path, "{jid}", value)
	req.path = strings.ReplaceAll(template, "{instance}", value) + g.baseQuery()
	return req
}

// badQueryValues replace a query parameter's value, or are added as unknown parameters.
var badQueryValues = []string{
	"", "%00", "%FF", "%E2%80%AE", "true", "maybe", "-1", "1e400", "%7B%22a%22%3A1%7D", "@g.us",
	"120363%00@g.us", "https%3A%2F%2Fchat.whatsapp.com%2F", "%25%25", "a&b", "%C0%AF",
}

func (g caseGen) badQuery() badRequest {
	req := g.request(nil)
	if g.hasBody() {
		req.body = g.exampleJSON()
	}
	names := []string{"instanceName", "number", "history", "communityJid", "identifier", "participants",
		"id", "async", "token", "zzz"}
	value := g.pick(badQueryValues...)
	if g.rng.IntN(5) == 0 {
		value = strings.Repeat("9", 1+g.rng.IntN(8000))
	}
	path, _, _ := strings.Cut(req.path, "?")
	query := g.pick(names...) + "=" + value
	if g.rng.IntN(3) == 0 { // the same parameter twice
		query += "&" + query
	}
	req.path = path + "?" + query
	return req
}

func (g caseGen) wrongMethod() badRequest {
	req := g.request(nil)
	req.path = g.path(url.PathEscape("not-" + g.tgt.instance))
	req.method = g.pick(http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, "OPTIONS", "BREW")
	return req
}

func (g caseGen) truncated() badRequest {
	raw := g.exampleJSON()
	return g.request(raw[:g.rng.IntN(len(raw))])
}

// oddValues are JSON values of every type, for a field whose type they are probably not.
var oddValues = []any{nil, true, false, 0, -1, 1.5, 1e300, "", "x", []any{}, []any{nil}, map[string]any{},
	map[string]any{"a": []any{1}}, []any{[]any{[]any{}}}}

// mutateField replaces one field of the example (or adds one when there is none).
func (g caseGen) mutateField(value func(old any) any) []byte {
	m := g.example()
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	key := "name"
	if len(keys) > 0 {
		key = keys[g.rng.IntN(len(keys))]
	}
	m[key] = value(m[key])
	raw, _ := json.Marshal(m)
	return raw
}

// rawSentinel stands for raw JSON text in a mutated example: encoding/json would refuse to
// write invalid or very deep RawMessages, so the text is spliced in after marshalling.
const rawSentinel = "\x01raw\x01"

func (g caseGen) mutateFieldRaw(text string) []byte {
	raw := g.mutateField(func(any) any { return rawSentinel })
	quoted, _ := json.Marshal(rawSentinel)
	return bytes.Replace(raw, quoted, []byte(text), 1)
}

func (g caseGen) wrongType() badRequest {
	return g.request(g.mutateField(func(any) any { return oddValues[g.rng.IntN(len(oddValues))] }))
}

func (g caseGen) nulls() badRequest {
	if g.rng.IntN(2) == 0 {
		return g.request([]byte(g.pick("null", " null ", "[null]", `{"":null}`)))
	}
	return g.request(g.mutateField(func(any) any { return nil }))
}

func (g caseGen) deepNesting() badRequest {
	depth := 1 + g.rng.IntN(20000)
	open, close := "[", "]"
	if g.rng.IntN(2) == 0 {
		open, close = `{"a":`, "}"
	}
	nested := strings.Repeat(open, depth) + "1" + strings.Repeat(close, depth)
	if g.rng.IntN(2) == 0 {
		return g.request([]byte(nested))
	}
	return g.request(g.mutateFieldRaw(nested))
}

func (g caseGen) invalidUTF8() badRequest {
	raw := g.mutateField(func(any) any { return "\x00" })
	// Replace the escaped NUL that Marshal wrote with raw invalid bytes.
	raw = bytes.Replace(raw, []byte(`\u0000`), []byte(g.pick("\xff", "\xc3\x28", "\xed\xa0\x80", "\xf8\x88\x80\x80\x80", "\xe2\x82")), 1)
	return g.request(raw)
}

func (g caseGen) hugeBody() badRequest {
	huge := strings.Repeat("A", 2<<20)
	req := g.request(g.mutateField(func(any) any { return huge }))
	return req
}

func (g caseGen) wrongContentType() badRequest {
	req := g.request(g.exampleJSON())
	req.contentType = g.pick("", "text/plain", "application/xml", "multipart/form-data; boundary=x",
		"application/x-www-form-urlencoded", "application/json; charset=latin1", "application/json, text/plain")
	if req.contentType == "application/x-www-form-urlencoded" {
		req.body = []byte("name=x&communityJid=%00")
	}
	return req
}

func (g caseGen) unknownFields() badRequest {
	m := g.example()
	m[g.pick("zzz", "__proto__", "constructor", "Name", "NAME", "")] = oddValues[g.rng.IntN(len(oddValues))]
	raw, _ := json.Marshal(m)
	return g.request(raw)
}

func (g caseGen) trailingGarbage() badRequest {
	return g.request(append(g.exampleJSON(), g.pick("}", "{}", " x", ",", "\x00", "]]]", `{"a":1}`)...))
}

// oddStrings are valid JSON strings that a careless handler mishandles.
var oddStrings = []string{"", " ", "\x00", "\u202e", "💩", "@g.us", "@s.whatsapp.net", "120363@broadcast",
	"status@broadcast", "0@g.us", "-1@g.us", "1:2@s.whatsapp.net", "https://chat.whatsapp.com/",
	"chat.whatsapp.com/%00", "\u200b", "a\nb", strings.Repeat("ñ", 3000)}

func (g caseGen) oddString() badRequest {
	s := g.pick(oddStrings...)
	return g.request(g.mutateField(func(old any) any {
		if _, isList := old.([]any); isList {
			return []any{s}
		}
		return s
	}))
}

func (g caseGen) oddNumber() badRequest {
	n := g.pick("1e400", "-0", "1.5", "9223372036854775808", "-9223372036854775809", "0x10", "NaN", "Infinity", "01")
	return g.request(g.mutateFieldRaw(n))
}

func (g caseGen) longArray() badRequest {
	n := 1 + g.rng.IntN(300)
	items := make([]any, n)
	for i := range items {
		items[i] = oddValues[g.rng.IntN(len(oddValues))]
		if g.rng.IntN(2) == 0 {
			items[i] = g.pick(oddStrings...)
		}
	}
	return g.request(g.mutateField(func(any) any { return items }))
}

func (g caseGen) notJSON() badRequest {
	return g.request([]byte(g.pick("", " ", "\ufeff{}", "<xml/>", "name=x", "{'a':1}", "{a:1}", `{"a" 1}`,
		"\x00\x01\x02", "{", "}", "[", `"`, "tru", "1", `"string"`)))
}
