// Package openapitest checks HTTP answers against the gateway's OpenAPI 3.1 document, so that
// every test that talks to the API also checks the document. It is for tests only: production
// code never links it (or its JSON Schema library).
//
// It does not import httpapi (whose own tests use it); callers pass the document in:
//
//	v, err := openapitest.Load(httpapi.OpenAPIDocument())
//	err = v.Validate("GET", "/api/instance/list", 200, resp.Header, body)
package openapitest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Operation is one method+path of the document, with the Switchboard extensions a test may
// generate cases from.
type Operation struct {
	Method string // upper case: GET, POST...
	Path   string // the template: /api/instance/connect/{instance}
	ID     string // operationId
	// Scope is x-switchboard-scope: "account" (account token only), "any" (account or
	// instance token) or "public" (no token).
	Scope string
	// SandboxOnly is x-switchboard-sandbox-only: the route exists only in --sandbox mode.
	SandboxOnly bool
	// Idempotent is x-switchboard-idempotent: the route honours the Idempotency-Key header.
	Idempotent bool
	// Async is x-switchboard-async: the route runs as a job with ?async=true.
	Async bool
	// RateLimit is x-switchboard-rate-limit: the buckets the route draws from.
	RateLimit []string
	// Statuses are the documented response keys ("200", "404", "default"...).
	Statuses []string
	// RequestExample is the first (by name) example of the JSON request body, nil when the
	// operation documents none: a body the route accepts, for generated tests (shared between
	// callers: do not modify it).
	RequestExample any
}

// Pattern is the operation as an http.ServeMux pattern: "GET /api/instance/list".
func (o Operation) Pattern() string { return o.Method + " " + o.Path }

// Validator holds a document with every response schema compiled once.
type Validator struct {
	doc       map[string]any
	routes    []*route
	unmatched map[string]*response
	compiler  *jsonschema.Compiler // used while loading only

	exampleProblems []error
}

type route struct {
	template string
	segments []string // path segments; "" marks a {wildcard}
	literals int
	methods  map[string]*operation
}

type operation struct {
	Operation
	responses map[string]*response
}

type response struct {
	where   string             // JSON pointer of the response object, for messages
	schema  *jsonschema.Schema // nil when the response has no JSON body
	headers []headerRule
}

type headerRule struct {
	name     string
	required bool
	integer  bool
	schema   *jsonschema.Schema
}

const docURL = "mem:///openapi.json"

var (
	cacheMu sync.Mutex
	cache   = map[[sha256.Size]byte]*Validator{}
)

// Load parses and compiles a document. Validators are cached by content, so calling Load for
// every request of a test suite compiles the schemas once per process.
func Load(doc []byte) (*Validator, error) {
	key := sha256.Sum256(doc)
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if v, ok := cache[key]; ok {
		return v, nil
	}
	v, err := compile(doc)
	if err != nil {
		return nil, err
	}
	cache[key] = v
	return v, nil
}

func compile(raw []byte) (*Validator, error) {
	parsed, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("openapi: the document is not JSON: %w", err)
	}
	doc, ok := parsed.(map[string]any)
	if !ok {
		return nil, errors.New("openapi: the document is not a JSON object")
	}
	if version, _ := doc["openapi"].(string); !strings.HasPrefix(version, "3.1.") {
		return nil, fmt.Errorf("openapi: version %q, want 3.1.x", version)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020) // OpenAPI 3.1 schemas are JSON Schema 2020-12
	c.AssertFormat()
	if err := c.AddResource(docURL, doc); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	v := &Validator{doc: doc, compiler: c}

	var problems []error
	paths, _ := doc["paths"].(map[string]any)
	ids := map[string]string{}
	for _, template := range sortedKeys(paths) {
		item, _ := paths[template].(map[string]any)
		r := newRoute(template)
		for _, method := range sortedKeys(item) {
			if !isMethod(method) {
				continue
			}
			where := "/paths/" + escape(template) + "/" + method
			op, err := v.operation(strings.ToUpper(method), template, where, item[method])
			if err != nil {
				problems = append(problems, err)
				continue
			}
			if other, dup := ids[op.ID]; dup {
				problems = append(problems, fmt.Errorf("%s: operationId %q is also used by %s", where, op.ID, other))
			}
			ids[op.ID] = where
			r.methods[op.Method] = op
		}
		v.routes = append(v.routes, r)
	}
	if ext, ok := doc["x-switchboard-unmatched"].(map[string]any); ok {
		v.unmatched, err = v.responses("/x-switchboard-unmatched", ext["responses"])
		if err != nil {
			problems = append(problems, err)
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("openapi: %w", errors.Join(problems...))
	}
	v.compiler = nil // compiled schemas are safe for concurrent use; the compiler is not
	return v, nil
}

// operation reads one operation object and compiles its response schemas.
func (v *Validator) operation(method, template, where string, raw any) (*operation, error) {
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: not an object", where)
	}
	op := &operation{Operation: Operation{Method: method, Path: template}}
	op.ID, _ = obj["operationId"].(string)
	op.Scope, _ = obj["x-switchboard-scope"].(string)
	op.SandboxOnly, _ = obj["x-switchboard-sandbox-only"].(bool)
	op.Idempotent, _ = obj["x-switchboard-idempotent"].(bool)
	op.Async, _ = obj["x-switchboard-async"].(bool)
	buckets, ok := obj["x-switchboard-rate-limit"].([]any)
	if !ok {
		return nil, fmt.Errorf("%s: x-switchboard-rate-limit must be a list of buckets", where)
	}
	for _, b := range buckets {
		name, _ := b.(string)
		op.RateLimit = append(op.RateLimit, name)
	}
	if op.ID == "" {
		return nil, fmt.Errorf("%s: no operationId", where)
	}
	security, hasSecurity := obj["security"].([]any)
	switch op.Scope {
	case "public":
		if !hasSecurity || len(security) != 0 {
			return nil, fmt.Errorf("%s: a public operation needs \"security\": []", where)
		}
	case "account", "any":
		if hasSecurity && len(security) == 0 {
			return nil, fmt.Errorf("%s: scope %s but no security", where, op.Scope)
		}
	default:
		return nil, fmt.Errorf("%s: x-switchboard-scope %q, want account, any or public", where, op.Scope)
	}
	if body, ok := obj["requestBody"].(map[string]any); ok {
		if _, err := v.content(where+"/requestBody", body); err != nil {
			return nil, err
		}
		op.RequestExample = v.firstExample(where+"/requestBody", body)
	}
	var err error
	if op.responses, err = v.responses(where+"/responses", obj["responses"]); err != nil {
		return nil, err
	}
	op.Statuses = sortedKeys(op.responses)
	return op, nil
}

// responses compiles a responses object.
func (v *Validator) responses(where string, raw any) (map[string]*response, error) {
	obj, ok := raw.(map[string]any)
	if !ok || len(obj) == 0 {
		return nil, fmt.Errorf("%s: no responses", where)
	}
	out := map[string]*response{}
	for _, status := range sortedKeys(obj) {
		if !validStatusKey(status) {
			return nil, fmt.Errorf("%s: %q is not a status code, NXX or default", where, status)
		}
		ptr, resp, err := v.resolve(where+"/"+status, obj[status])
		if err != nil {
			return nil, err
		}
		if d, _ := resp["description"].(string); d == "" {
			return nil, fmt.Errorf("%s: response without a description", ptr)
		}
		r := &response{where: ptr}
		if r.schema, err = v.content(ptr, resp); err != nil {
			return nil, err
		}
		headers, _ := resp["headers"].(map[string]any)
		for _, name := range sortedKeys(headers) {
			hptr, h, err := v.resolve(ptr+"/headers/"+escape(name), headers[name])
			if err != nil {
				return nil, err
			}
			rule := headerRule{name: name}
			rule.required, _ = h["required"].(bool)
			if s, ok := h["schema"].(map[string]any); ok {
				rule.integer = s["type"] == "integer"
				if rule.schema, err = v.compiler.Compile(docURL + "#" + hptr + "/schema"); err != nil {
					return nil, fmt.Errorf("%s: %w", hptr, err)
				}
			}
			r.headers = append(r.headers, rule)
		}
		out[status] = r
	}
	return out, nil
}

// content compiles the application/json schema of a request body or response, the only media
// type this API speaks. It returns nil when there is no content.
func (v *Validator) content(where string, obj map[string]any) (*jsonschema.Schema, error) {
	content, ok := obj["content"].(map[string]any)
	if !ok {
		return nil, nil
	}
	for mediaType := range content {
		if mediaType != "application/json" {
			return nil, fmt.Errorf("%s: media type %q; this API answers application/json only", where, mediaType)
		}
	}
	media, _ := content["application/json"].(map[string]any)
	if _, ok := media["schema"]; !ok {
		return nil, fmt.Errorf("%s: application/json without a schema", where)
	}
	sch, err := v.compiler.Compile(docURL + "#" + where + "/content/application~1json/schema")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	v.checkExamples(where+"/content/application~1json", media, sch)
	return sch, nil
}

// checkExamples validates the examples of a media type against its schema, so that the
// messages the document shows are at least in the shape it promises.
func (v *Validator) checkExamples(where string, media map[string]any, sch *jsonschema.Schema) {
	examples, _ := media["examples"].(map[string]any)
	for _, name := range sortedKeys(examples) {
		ptr, ex, err := v.resolve(where+"/examples/"+escape(name), examples[name])
		if err != nil {
			v.exampleProblems = append(v.exampleProblems, err)
			continue
		}
		value, ok := ex["value"]
		if !ok {
			v.exampleProblems = append(v.exampleProblems, fmt.Errorf("%s: example without a value", ptr))
			continue
		}
		if err := sch.Validate(value); err != nil {
			v.exampleProblems = append(v.exampleProblems, fmt.Errorf("%s/examples/%s: %w", where, name, err))
		}
	}
}

// firstExample returns the value of the first example, by name, of a JSON body.
func (v *Validator) firstExample(where string, body map[string]any) any {
	content, _ := body["content"].(map[string]any)
	media, _ := content["application/json"].(map[string]any)
	examples, _ := media["examples"].(map[string]any)
	for _, name := range sortedKeys(examples) {
		if _, ex, err := v.resolve(where+"/examples/"+escape(name), examples[name]); err == nil {
			return ex["value"]
		}
	}
	return nil
}

// CheckExamples reports every example of the document that does not match its schema.
func (v *Validator) CheckExamples() error { return errors.Join(v.exampleProblems...) }

// resolve follows an OpenAPI $ref (to components) and returns the target's pointer and value.
func (v *Validator) resolve(where string, raw any) (string, map[string]any, error) {
	for range 8 { // refs to refs are allowed, cycles are not
		obj, ok := raw.(map[string]any)
		if !ok {
			return "", nil, fmt.Errorf("%s: not an object", where)
		}
		ref, isRef := obj["$ref"].(string)
		if !isRef {
			return where, obj, nil
		}
		ptr, ok := strings.CutPrefix(ref, "#")
		if !ok {
			return "", nil, fmt.Errorf("%s: only local references are supported, got %q", where, ref)
		}
		target, err := lookup(v.doc, ptr)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", where, err)
		}
		where, raw = ptr, target
	}
	return "", nil, fmt.Errorf("%s: too many nested references", where)
}

// Operations lists the document's operations, sorted by path then method.
func (v *Validator) Operations() []Operation {
	var out []Operation
	for _, r := range v.routes {
		for _, m := range sortedKeys(r.methods) {
			op := r.methods[m].Operation
			op.RateLimit = slices.Clone(op.RateLimit)
			op.Statuses = slices.Clone(op.Statuses)
			out = append(out, op)
		}
	}
	return out
}

// Find returns the operation a request would reach: the route whose template matches path
// (the most literal one when several do) with method; HEAD finds GET, as in net/http.
func (v *Validator) Find(method, path string) (Operation, bool) {
	r := v.match(path)
	if r == nil {
		return Operation{}, false
	}
	op := r.methods[lookupMethod(method)]
	if op == nil {
		return Operation{}, false
	}
	return op.Operation, true
}

// Validate checks one answer: the status must be documented for the operation the request
// reaches (or, for a request no operation matches, under x-switchboard-unmatched), the
// required headers present and well-formed, and the body valid against the status's schema.
// path may carry a query string.
func (v *Validator) Validate(method, path string, status int, header http.Header, body []byte) error {
	path, _, _ = strings.Cut(path, "?")
	responses, name := v.unmatched, "a request no operation matches"
	if r := v.match(path); r != nil {
		if op := r.methods[lookupMethod(method)]; op != nil {
			responses, name = op.responses, "operation "+op.ID+" ("+op.Method+" "+op.Path+")"
		}
	}
	resp := pick(responses, status)
	if resp == nil {
		return fmt.Errorf("status %d is not documented for %s; documented: %s", status, name, strings.Join(sortedKeys(responses), ", "))
	}
	var problems []error
	for _, h := range resp.headers {
		if err := h.check(header); err != nil {
			problems = append(problems, err)
		}
	}
	if err := resp.checkBody(method, header, body); err != nil {
		problems = append(problems, err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s, response %d (%s): %w", name, status, resp.where, errors.Join(problems...))
	}
	return nil
}

func (h headerRule) check(header http.Header) error {
	value := header.Get(h.name)
	if value == "" {
		if h.required {
			return fmt.Errorf("header %s is missing", h.name)
		}
		return nil
	}
	if h.schema == nil {
		return nil
	}
	var instance any = value
	if h.integer {
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return fmt.Errorf("header %s: %q is not an integer", h.name, value)
		}
		instance = n
	}
	if err := h.schema.Validate(instance); err != nil {
		return fmt.Errorf("header %s: %q: %w", h.name, value, err)
	}
	return nil
}

func (r *response) checkBody(method string, header http.Header, body []byte) error {
	if r.schema == nil {
		if len(bytes.TrimSpace(body)) > 0 {
			return fmt.Errorf("the response documents no body, got %d bytes", len(body))
		}
		return nil
	}
	mediaType, _, err := mime.ParseMediaType(header.Get("Content-Type"))
	if err != nil || mediaType != "application/json" {
		return fmt.Errorf("Content-Type %q, want application/json", header.Get("Content-Type"))
	}
	if method == http.MethodHead {
		return nil // the headers were checked; HEAD has no body
	}
	instance, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("the body is not JSON: %w: %.200q", err, body)
	}
	if err := r.schema.Validate(instance); err != nil {
		return fmt.Errorf("body %.600s\n%w", body, err)
	}
	return nil
}

// pick finds the response for status: the exact code, then its class (4XX), then default.
func pick(responses map[string]*response, status int) *response {
	code := strconv.Itoa(status)
	if r := responses[code]; r != nil {
		return r
	}
	if r := responses[code[:1]+"XX"]; r != nil {
		return r
	}
	return responses["default"]
}

func newRoute(template string) *route {
	r := &route{template: template, methods: map[string]*operation{}}
	for _, seg := range strings.Split(strings.TrimPrefix(template, "/"), "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			r.segments = append(r.segments, "")
			continue
		}
		r.segments = append(r.segments, seg)
		r.literals++
	}
	return r
}

// match finds the route of an (escaped) request path, as http.ServeMux would: a wildcard
// matches one non-empty segment, and the most literal template wins.
func (v *Validator) match(path string) *route {
	segments := strings.Split(strings.TrimPrefix(path, "/"), "/")
	var best *route
	for _, r := range v.routes {
		if len(r.segments) != len(segments) {
			continue
		}
		ok := true
		for i, seg := range r.segments {
			if seg == "" && segments[i] == "" || seg != "" && seg != segments[i] {
				ok = false
				break
			}
		}
		if ok && (best == nil || r.literals > best.literals) {
			best = r
		}
	}
	return best
}

func lookupMethod(method string) string {
	method = strings.ToUpper(method)
	if method == http.MethodHead {
		return http.MethodGet
	}
	return method
}

func isMethod(key string) bool {
	switch key {
	case "get", "put", "post", "delete", "options", "head", "patch", "trace":
		return true
	}
	return false
}

func validStatusKey(key string) bool {
	if key == "default" {
		return true
	}
	if len(key) != 3 || key[0] < '1' || key[0] > '5' {
		return false
	}
	if key[1:] == "XX" {
		return true
	}
	_, err := strconv.Atoi(key)
	return err == nil
}

// lookup follows a JSON pointer through the document.
func lookup(doc any, ptr string) (any, error) {
	cur := doc
	if ptr == "" {
		return cur, nil
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("reference #%s does not resolve", ptr)
		}
		if cur, ok = obj[tok]; !ok {
			return nil, fmt.Errorf("reference #%s does not resolve", ptr)
		}
	}
	return cur, nil
}

// escape makes a key one JSON pointer token.
func escape(key string) string {
	return strings.ReplaceAll(strings.ReplaceAll(key, "~", "~0"), "/", "~1")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
