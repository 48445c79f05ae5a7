// Package openapitest checks HTTP requests and answers against the gateway's OpenAPI 3.1
// document, so that every test that talks to the API also checks the document. It is for tests
// only: production code never links it (or its OpenAPI libraries).
//
// It does not import httpapi (whose own tests use it); callers pass the document in:
//
//	v, err := openapitest.Load(httpapi.OpenAPIDocument())
//	err = v.Validate("GET", "/api/instance/list", 200, resp.Header, body)
//	err = v.ValidateRequest("POST", "/api/instance/new", req.Header, reqBody)
//
// The OpenAPI work is done by github.com/pb33f/libopenapi (parsing, references) and
// github.com/pb33f/libopenapi-validator (JSON Schema 2020-12 validation of bodies, parameters
// and headers, status lookup, security requirements). This package keeps only what those do
// not know:
//   - which operation a request reaches: matched here by net/http's ServeMux rules (a
//     wildcard matches one non-empty segment, the most literal template wins), so the
//     operation checked is the one the server ran, whatever the library's router would pick;
//   - answers to requests that reach no operation, documented under the top-level
//     x-switchboard-unmatched extension (the library sees extensions as opaque);
//   - the Switchboard rules on the document: x-switchboard-* extensions read into Operation,
//     one operationId per operation, scopes consistent with security, JSON-only bodies,
//     every response described;
//   - two answer rules the library leaves open: a response documented without a body has
//     none, and HEAD is checked as GET without its body;
//   - the messages: the library's errors are reworded to name the operation and response.
package openapitest

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi"
	libvalidator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi-validator/responses"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"
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

// Validator holds a document with every schema compiled once. It is safe for concurrent use.
type Validator struct {
	doc       map[string]any // the raw document, for the Switchboard rules
	model     *v3.Document
	lib       libvalidator.Validator
	headers   responses.ResponseBodyValidator // status and headers only, for HEAD
	routes    []*route
	unmatched *unmatched

	exampleProblems []error
}

type route struct {
	template string
	segments []string // path segments; "" marks a {wildcard}
	literals int
	methods  map[string]*operation
	item     *v3.PathItem
}

type operation struct {
	Operation
	responses map[string]*response
}

// response is what the Switchboard rules need of a documented response.
type response struct {
	where   string // JSON pointer of the response object, for messages
	hasBody bool
}

// unmatched is x-switchboard-unmatched as an operation of every method, so that the library
// checks those answers as it checks any other.
type unmatched struct {
	responses map[string]*response
	item      *v3.PathItem
}

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
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("openapi: the document is not a JSON object: %w", err)
	}
	if version, _ := doc["openapi"].(string); !strings.HasPrefix(version, "3.1.") {
		return nil, fmt.Errorf("openapi: version %q, want 3.1.x", version)
	}
	if err := checkRefs(doc, doc, ""); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	parsed, err := libopenapi.NewDocument(raw)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	built, err := parsed.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	v := &Validator{doc: doc, model: &built.Model}
	// Formats are asserted (a date-time must be one), as JSON Schema allows a validator to.
	v.lib = libvalidator.NewValidatorFromV3Model(v.model, config.WithFormatAssertions())
	v.headers = responses.NewResponseBodyValidator(v.model, config.WithFormatAssertions(), config.WithoutResponseBodyValidation())

	var problems []error
	paths, _ := doc["paths"].(map[string]any)
	ids := map[string]string{}
	for _, template := range sortedKeys(paths) {
		item, _ := paths[template].(map[string]any)
		r := newRoute(template)
		if v.model.Paths != nil && v.model.Paths.PathItems != nil {
			r.item = v.model.Paths.PathItems.GetOrZero(template)
		}
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
		if v.unmatched, err = v.unmatchedOperation(ext["responses"]); err != nil {
			problems = append(problems, err)
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("openapi: %w", errors.Join(problems...))
	}
	return v, nil
}

// checkRefs fails on a local $ref that does not resolve, naming it: libopenapi only logs those.
func checkRefs(doc map[string]any, node any, where string) error {
	switch n := node.(type) {
	case map[string]any:
		if ref, ok := n["$ref"].(string); ok {
			ptr, local := strings.CutPrefix(ref, "#")
			if !local {
				return fmt.Errorf("%s: only local references are supported, got %q", where, ref)
			}
			if _, err := lookup(doc, ptr); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
		}
		for _, k := range sortedKeys(n) {
			if err := checkRefs(doc, n[k], where+"/"+escape(k)); err != nil {
				return err
			}
		}
	case []any:
		for i, item := range n {
			if err := checkRefs(doc, item, fmt.Sprintf("%s/%d", where, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// operation reads one operation object: its extensions and the Switchboard rules.
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
	model := v.modelOperation(template, method)
	if body, ok := obj["requestBody"].(map[string]any); ok {
		var media *v3.MediaType
		if model != nil && model.RequestBody != nil {
			media = jsonMedia(model.RequestBody.Content)
		}
		if _, err := v.content(where+"/requestBody", body, media); err != nil {
			return nil, err
		}
		op.RequestExample = v.firstExample(where+"/requestBody", body)
	}
	var modelResponses *v3.Responses
	if model != nil {
		modelResponses = model.Responses
	}
	var err error
	if op.responses, err = v.responses(where+"/responses", obj["responses"], modelResponses); err != nil {
		return nil, err
	}
	op.Statuses = sortedKeys(op.responses)
	return op, nil
}

func (v *Validator) modelOperation(template, method string) *v3.Operation {
	if v.model.Paths == nil || v.model.Paths.PathItems == nil {
		return nil
	}
	item := v.model.Paths.PathItems.GetOrZero(template)
	if item == nil {
		return nil
	}
	return item.GetOperations().GetOrZero(strings.ToLower(method))
}

// unmatchedOperation reads x-switchboard-unmatched's responses, which must be references to
// components, and makes them an operation the library can check answers against.
func (v *Validator) unmatchedOperation(raw any) (*unmatched, error) {
	const where = "/x-switchboard-unmatched/responses"
	obj, _ := raw.(map[string]any)
	codes := orderedmap.New[string, *v3.Response]()
	var def *v3.Response
	for _, status := range sortedKeys(obj) {
		ref, _ := obj[status].(map[string]any)["$ref"].(string)
		name, ok := strings.CutPrefix(ref, "#/components/responses/")
		var target *v3.Response
		if ok && v.model.Components != nil && v.model.Components.Responses != nil {
			target = v.model.Components.Responses.GetOrZero(name)
		}
		if target == nil {
			return nil, fmt.Errorf("%s/%s: must be a $ref to #/components/responses/", where, status)
		}
		if status == "default" {
			def = target
		} else {
			codes.Set(status, target)
		}
	}
	rs, err := v.responses(where, raw, &v3.Responses{Codes: codes, Default: def})
	if err != nil {
		return nil, err
	}
	op := &v3.Operation{OperationId: "x-switchboard-unmatched", Responses: &v3.Responses{Codes: codes, Default: def}}
	item := &v3.PathItem{Get: op, Put: op, Post: op, Delete: op, Options: op, Head: op, Patch: op, Trace: op}
	return &unmatched{responses: rs, item: item}, nil
}

// responses reads a responses object; model is the same object as libopenapi built it, whose
// schemas are the ones its examples are checked against.
func (v *Validator) responses(where string, raw any, model *v3.Responses) (map[string]*response, error) {
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
		var media *v3.MediaType
		if model != nil {
			m := model.Default
			if status != "default" && model.Codes != nil {
				m = model.Codes.GetOrZero(status)
			}
			if m != nil {
				media = jsonMedia(m.Content)
			}
		}
		r := &response{where: ptr}
		if r.hasBody, err = v.content(ptr, resp, media); err != nil {
			return nil, err
		}
		out[status] = r
	}
	return out, nil
}

// content checks the media types of a request body or response: application/json only, the
// one this API speaks, with a schema its examples match. It reports whether there is a body.
func (v *Validator) content(where string, obj map[string]any, media *v3.MediaType) (bool, error) {
	content, ok := obj["content"].(map[string]any)
	if !ok {
		return false, nil
	}
	for mediaType := range content {
		if mediaType != "application/json" {
			return false, fmt.Errorf("%s: media type %q; this API answers application/json only", where, mediaType)
		}
	}
	raw, _ := content["application/json"].(map[string]any)
	if _, ok := raw["schema"]; !ok || media == nil || media.Schema == nil {
		return false, fmt.Errorf("%s: application/json without a schema", where)
	}
	v.checkExamples(where+"/content/application~1json", raw, media)
	return true, nil
}

// jsonMedia is the application/json entry of a content map, nil when there is none.
func jsonMedia(content *orderedmap.Map[string, *v3.MediaType]) *v3.MediaType {
	if content == nil {
		return nil
	}
	return content.GetOrZero("application/json")
}

// checkExamples validates the examples of a media type against its schema, so that the
// messages the document shows are at least in the shape it promises.
func (v *Validator) checkExamples(where string, raw map[string]any, media *v3.MediaType) {
	examples, _ := raw["examples"].(map[string]any)
	if len(examples) == 0 {
		return
	}
	schema := media.Schema.Schema()
	if schema == nil {
		v.exampleProblems = append(v.exampleProblems, fmt.Errorf("%s: the schema does not build: %w", where, media.Schema.GetBuildError()))
		return
	}
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
		if ok, errs := schema_validation.NewSchemaValidator(config.WithFormatAssertions()).ValidateSchemaObject(schema, value); !ok {
			v.exampleProblems = append(v.exampleProblems, fmt.Errorf("%s/examples/%s: %w", where, name, libErrors(errs)))
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
