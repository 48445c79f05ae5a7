package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/switchboard/switchboard/httpapi/internal/openapidoc"
	"github.com/switchboard/switchboard/httpapi/openapitest"
	"github.com/switchboard/switchboard/store/storetest"
)

// loadOpenAPI compiles the document once per test binary.
var loadOpenAPI = sync.OnceValues(func() (*openapitest.Validator, error) { return openapitest.Load(openAPIDocument) })

// openAPI is the document's validator.
func openAPI(t testing.TB) *openapitest.Validator {
	t.Helper()
	v, err := loadOpenAPI()
	if err != nil {
		t.Fatalf("OpenAPI document: %v", err)
	}
	return v
}

// sandboxEnv is a server with every route registered, sandbox ones included, and the stores
// that turn Idempotency-Key and ?async on.
func sandboxEnv(t *testing.T) *testEnv {
	st := storetest.Open(t)
	return newEnvOn(t, st, func(c *Config) {
		c.Sandbox = allocatingSandbox{&fakeSandbox{}}
		c.Idempotency, c.Jobs = st, st
		// One token calls every operation here, more than the Global bucket's 100 a minute.
		c.RateLimit = 1_000_000
	})
}

// allocatingSandbox picks a number for a user created without one, as the simulator does (the
// plain fake echoes the empty phone, which no real sandbox answers).
type allocatingSandbox struct{ *fakeSandbox }

func (s allocatingSandbox) CreateUser(ctx context.Context, phone, name string) (SandboxPhone, error) {
	if phone == "" {
		phone = "5511900000099"
	}
	return s.fakeSandbox.CreateUser(ctx, phone, name)
}

// TestOpenAPIAssembledFromSources keeps openapi.json, which is served and embedded, the
// assembly of the YAML files people edit: a change to one without the other fails here.
func TestOpenAPIAssembledFromSources(t *testing.T) {
	assembled, err := openapidoc.Assemble(os.DirFS("openapi"))
	if err != nil {
		t.Fatalf("assembling openapi/*.yaml: %v", err)
	}
	if !bytes.Equal(assembled, openAPIDocument) {
		t.Fatal("openapi.json is not the assembly of openapi/*.yaml: edit the YAML files, then run `go generate ./httpapi`")
	}
}

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	e := sandboxEnv(t)
	registered := e.api.Routes()
	var documented []string
	for _, op := range openAPI(t).Operations() {
		documented = append(documented, op.Pattern())
	}
	for _, pattern := range registered {
		if !slices.Contains(documented, pattern) {
			t.Errorf("route %q is registered but not in openapi.json", pattern)
		}
	}
	for _, pattern := range documented {
		if !slices.Contains(registered, pattern) {
			t.Errorf("openapi.json documents %q, which no route registers", pattern)
		}
	}
}

// TestOpenAPISandboxOnlyFlag checks x-switchboard-sandbox-only against a server without a
// sandbox: exactly the flagged operations are missing there.
func TestOpenAPISandboxOnlyFlag(t *testing.T) {
	plain := newEnv(t).api.Routes()
	for _, op := range openAPI(t).Operations() {
		if got := !slices.Contains(plain, op.Pattern()); got != op.SandboxOnly {
			t.Errorf("%s: x-switchboard-sandbox-only is %v, but the route is registered without a sandbox: %v", op.Pattern(), op.SandboxOnly, !got)
		}
	}
}

// TestRoutesRegisteredThroughHandle keeps Routes complete: a route registered on the mux
// directly would be invisible to it, and so to the coverage test above.
func TestRoutesRegisteredThroughHandle(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Name.Name == "handle" {
				continue
			}
			ast.Inspect(fn, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") {
					return true
				}
				if recv, ok := sel.X.(*ast.SelectorExpr); ok && recv.Sel.Name == "mux" {
					t.Errorf("%s: %s registers a route with mux.%s; use s.handle so Routes and openapi.json see it",
						fset.Position(call.Pos()), fn.Name.Name, sel.Sel.Name)
				}
				return true
			})
		}
	}
}

func TestOpenAPIExamplesMatchTheirSchemas(t *testing.T) {
	if err := openAPI(t).CheckExamples(); err != nil {
		t.Fatal(err)
	}
}

// openAPIProbePath fills a template's wildcards with values that reach the handler.
func openAPIProbePath(template, instance string) string {
	r := strings.NewReplacer("{instance}", instance, "{jid}", "120363000000000001")
	return r.Replace(template)
}

// TestOpenAPIScopesMatchAuthentication calls every operation with each kind of token and
// checks x-switchboard-scope and x-switchboard-rate-limit against what the server does, so a
// tenancy matrix generated from the document tests the real rules.
func TestOpenAPIScopesMatchAuthentication(t *testing.T) {
	e := sandboxEnv(t)
	acc := e.account("a", 0)
	inst := e.instance(acc, "probe")
	for _, op := range openAPI(t).Operations() {
		t.Run(op.ID, func(t *testing.T) {
			e := e.sub(t)
			var body any
			if op.Method == http.MethodPost || op.Method == http.MethodPut {
				body = map[string]any{}
			}
			// The instance token on its own instance: refused exactly on account-only routes.
			res := e.do(op.Method, openAPIProbePath(op.Path, "probe"), inst, body)
			switch op.Scope {
			case "account":
				res.WantErrorCode(http.StatusUnauthorized, "Invalid token", "unauthorized")
			default:
				if res.Status == http.StatusUnauthorized {
					t.Fatalf("scope %s, but an instance token is refused: %s", op.Scope, res.Raw)
				}
			}
			// No token: refused everywhere but on public routes.
			res = e.do(op.Method, openAPIProbePath(op.Path, "probe"), "", body)
			if got := res.Status == http.StatusUnauthorized; got != (op.Scope != "public") {
				t.Fatalf("scope %s, but a request without a token answered %d: %s", op.Scope, res.Status, res.Raw)
			}
			// The account token on an instance it does not have (so nothing is changed): the
			// buckets counted are the ones the document names.
			res = e.do(op.Method, openAPIProbePath(op.Path, "ghost"), acc, body)
			var buckets []string
			for _, part := range strings.Split(res.Header.Get("RateLimit-Policy"), ",") {
				if name, _, ok := strings.Cut(strings.TrimSpace(part), ";"); ok {
					buckets = append(buckets, strings.Trim(name, `"`))
				}
			}
			if !slices.Equal(buckets, op.RateLimit) {
				t.Fatalf("x-switchboard-rate-limit %v, but the answer counted %v (status %d)", op.RateLimit, buckets, res.Status)
			}
		})
	}
}

// TestOpenAPIIdempotentAndAsyncFlags checks x-switchboard-idempotent and x-switchboard-async
// against the routes: only the flagged ones refuse a malformed Idempotency-Key or ?async=.
// Each request carries the operation's documented example body, so routes that validate their
// body first get as far as the key.
func TestOpenAPIIdempotentAndAsyncFlags(t *testing.T) {
	e := sandboxEnv(t)
	acc := e.account("a", 0)
	inst := e.instance(acc, "probe")
	const keyRule = "Idempotency-Key must be 1 to 255 printable ASCII characters"
	for _, op := range openAPI(t).Operations() {
		if op.Scope != "any" {
			continue // account-only and public routes are neither (an instance token cannot reach them)
		}
		t.Run(op.ID, func(t *testing.T) {
			e := e.sub(t)
			var body any = op.RequestExample
			if body == nil && (op.Method == http.MethodPost || op.Method == http.MethodPut) {
				body = map[string]any{}
			}
			path := openAPIProbePath(op.Path, "probe")
			res := e.do(op.Method, path, inst, body, "Idempotency-Key", strings.Repeat("k", 256))
			if refused := res.Str("error.message") == keyRule; refused != op.Idempotent {
				t.Errorf("x-switchboard-idempotent is %v, but a malformed key answered %d: %s", op.Idempotent, res.Status, res.Raw)
			}
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			res = e.do(op.Method, path+sep+"async=maybe", inst, body)
			if refused := res.Str("error.message") == "async must be true or false"; refused != op.Async {
				t.Errorf("x-switchboard-async is %v, but ?async=maybe answered %d: %s", op.Async, res.Status, res.Raw)
			}
		})
	}
}

func TestOpenAPIServed(t *testing.T) {
	e := newEnv(t)
	res := e.do("GET", "/openapi.json", "", nil).Want(http.StatusOK)
	if !bytes.Equal(res.Raw, openAPIDocument) {
		t.Fatal("GET /openapi.json does not serve the embedded document")
	}
	if res.Header.Get("X-RateLimit-Limit") != "" {
		t.Fatal("GET /openapi.json is rate limited")
	}
	if got := e.do("HEAD", "/openapi.json", "", nil).Want(http.StatusOK).Header.Get("Content-Length"); got != strconv.Itoa(len(openAPIDocument)) {
		t.Fatalf("HEAD Content-Length = %q", got)
	}
}

// TestOpenAPIErrorSchemasMatchTheirStatus keeps each error answer's schema the one of its
// status (a 404 answer must be Error404, whose code is not_found), so the status-to-code table
// of errors.go is what the document promises.
func TestOpenAPIErrorSchemasMatchTheirStatus(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	resolve := func(v any) map[string]any {
		m, _ := v.(map[string]any)
		for m != nil {
			ref, ok := m["$ref"].(string)
			if !ok {
				return m
			}
			var cur any = doc
			for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
				next, _ := cur.(map[string]any)
				cur = next[strings.ReplaceAll(tok, "~1", "/")]
			}
			m, _ = cur.(map[string]any)
		}
		return m
	}
	check := func(where string, responses map[string]any) {
		for status, raw := range responses {
			if n, err := strconv.Atoi(status); err != nil || n < 400 {
				continue
			}
			content, _ := resolve(raw)["content"].(map[string]any)
			media, _ := content["application/json"].(map[string]any)
			schema, _ := media["schema"].(map[string]any)
			ref, _ := schema["$ref"].(string)
			if where == "get /health" && ref == "#/components/schemas/Health" {
				continue // /health answers 503 with its own body, as RyzeAPI's does
			}
			if ref != "#/components/schemas/Error"+status {
				t.Errorf("%s %s: schema %v, want #/components/schemas/Error%s", where, status, schema, status)
			}
		}
	}
	paths, _ := doc["paths"].(map[string]any)
	for path, item := range paths {
		for method, op := range item.(map[string]any) {
			responses, _ := op.(map[string]any)["responses"].(map[string]any)
			check(method+" "+path, responses)
		}
	}
	unmatched, _ := doc["x-switchboard-unmatched"].(map[string]any)
	responses, _ := unmatched["responses"].(map[string]any)
	check("x-switchboard-unmatched", responses)
}

// TestOpenAPIRequestExamplesAreValidRequests sends every operation's documented request
// example: the document must call the request valid (parameters, token, body), and the server
// must not refuse its body as malformed, so the request schemas and the decoders agree.
func TestOpenAPIRequestExamplesAreValidRequests(t *testing.T) {
	e := sandboxEnv(t)
	acc := e.account("a", 0)
	inst := e.instance(acc, "probe")
	checked := 0
	for _, op := range openAPI(t).Operations() {
		if op.RequestExample == nil {
			continue
		}
		checked++
		t.Run(op.ID, func(t *testing.T) {
			e := e.sub(t)
			token := map[string]string{"account": acc, "any": inst}[op.Scope]
			path := openAPIProbePath(op.Path, "probe")
			raw, err := json.Marshal(op.RequestExample)
			if err != nil {
				t.Fatal(err)
			}
			header := http.Header{"Content-Type": {"application/json"}}
			if token != "" {
				header.Set("token", token)
			}
			if err := openAPI(t).ValidateRequest(op.Method, path, header, raw); err != nil {
				t.Fatalf("the document refuses its own example: %v", err)
			}
			res := e.do(op.Method, path, token, op.RequestExample)
			if res.Status == http.StatusBadRequest && res.Str("error.detail") != "" {
				t.Fatalf("the server refuses the documented example as malformed: %s", res.Raw)
			}
		})
	}
	if checked == 0 {
		t.Fatal("no operation documents a request example")
	}
}
