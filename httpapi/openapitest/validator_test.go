package openapitest

import (
	"net/http"
	"strings"
	"testing"
)

// testDoc is a small document with one of each feature the validator reads.
const testDoc = `{
  "openapi": "3.1.0",
  "info": {"title": "t", "version": "1"},
  "x-switchboard-unmatched": {"responses": {"404": {"$ref": "#/components/responses/Err"}}},
  "paths": {
    "/items/{id}": {
      "get": {
        "operationId": "itemGet", "x-switchboard-scope": "any", "x-switchboard-rate-limit": ["global"],
        "responses": {
          "200": {
            "description": "ok",
            "headers": {"X-Count": {"required": true, "schema": {"type": "integer", "minimum": 0}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"},
              "examples": {"good": {"value": {"id": "a", "n": 1}}}}}
          },
          "4XX": {"$ref": "#/components/responses/Err"}
        }
      }
    },
    "/items/special": {
      "get": {
        "operationId": "itemSpecial", "x-switchboard-scope": "public", "security": [],
        "x-switchboard-rate-limit": [],
        "responses": {"204": {"description": "no body"}}
      }
    }
  },
  "components": {
    "responses": {
      "Err": {"description": "error", "content": {"application/json": {"schema": {
        "type": "object", "required": ["error"], "properties": {"error": {"type": "string"}},
        "additionalProperties": false}}}}
    },
    "schemas": {
      "Item": {"type": "object", "required": ["id", "n"],
        "properties": {"id": {"type": "string"}, "n": {"type": "integer"}},
        "additionalProperties": false}
    }
  }
}`

func load(t *testing.T, doc string) *Validator {
	t.Helper()
	v, err := Load([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func jsonHeader(extra ...string) http.Header {
	h := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	for i := 0; i+1 < len(extra); i += 2 {
		h.Set(extra[i], extra[i+1])
	}
	return h
}

func TestValidateAcceptsDocumentedAnswers(t *testing.T) {
	v := load(t, testDoc)
	for _, c := range []struct {
		method, path string
		status       int
		header       http.Header
		body         string
	}{
		{"GET", "/items/a?x=1", 200, jsonHeader("X-Count", "3"), `{"id":"a","n":1}`},
		{"HEAD", "/items/a", 200, jsonHeader("X-Count", "3"), ``},
		{"GET", "/items/a", 404, jsonHeader(), `{"error":"gone"}`},     // 4XX
		{"GET", "/items/special", 204, http.Header{}, ``},              // the literal route wins
		{"GET", "/nothing", 404, jsonHeader(), `{"error":"no route"}`}, // unmatched
		{"POST", "/items/a", 404, jsonHeader(), `{"error":"no route"}`},
	} {
		if err := v.Validate(c.method, c.path, c.status, c.header, []byte(c.body)); err != nil {
			t.Errorf("%s %s %d: %v", c.method, c.path, c.status, err)
		}
	}
}

func TestValidateRejectsWhatTheDocumentDoesNotAllow(t *testing.T) {
	v := load(t, testDoc)
	for _, c := range []struct {
		name, method, path string
		status             int
		header             http.Header
		body, want         string
	}{
		{"extra field", "GET", "/items/a", 200, jsonHeader("X-Count", "1"), `{"id":"a","n":1,"x":2}`, "'x' not allowed"},
		{"wrong type", "GET", "/items/a", 200, jsonHeader("X-Count", "1"), `{"id":"a","n":"1"}`, "/n"},
		{"missing header", "GET", "/items/a", 200, jsonHeader(), `{"id":"a","n":1}`, "'X-Count' is missing"},
		{"bad header", "GET", "/items/a", 200, jsonHeader("X-Count", "-1"), `{"id":"a","n":1}`, "'x-count' failed"},
		{"undocumented status", "GET", "/items/a", 500, jsonHeader(), `{"error":"x"}`, "status 500 is not documented"},
		{"not JSON", "GET", "/items/a", 200, jsonHeader("X-Count", "1"), `<html>`, "not JSON"},
		{"content type", "GET", "/items/a", 404, http.Header{"Content-Type": {"text/plain"}}, `{"error":"x"}`, "Content-Type"},
		{"unexpected body", "GET", "/items/special", 204, http.Header{}, `{}`, "documents no body"},
		{"empty wildcard", "GET", "/items/", 200, jsonHeader("X-Count", "1"), `{"id":"a","n":1}`, "not documented"},
	} {
		err := v.Validate(c.method, c.path, c.status, c.header, []byte(c.body))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}

func TestFindAndOperations(t *testing.T) {
	v := load(t, testDoc)
	op, ok := v.Find("HEAD", "/items/42")
	if !ok || op.ID != "itemGet" || op.Scope != "any" || op.Pattern() != "GET /items/{id}" {
		t.Fatalf("Find = %+v, %v", op, ok)
	}
	if _, ok := v.Find("DELETE", "/items/42"); ok {
		t.Fatal("Find matched an undocumented method")
	}
	ops := v.Operations()
	if len(ops) != 2 || ops[0].ID != "itemSpecial" || ops[0].Scope != "public" || len(ops[1].RateLimit) != 1 {
		t.Fatalf("Operations = %+v", ops)
	}
}

func TestLoadRefusesBrokenDocuments(t *testing.T) {
	for _, c := range []struct{ name, from, to, want string }{
		{"dangling ref", `"$ref": "#/components/schemas/Item"`, `"$ref": "#/components/schemas/Nope"`, "Nope"},
		{"no operationId", `"operationId": "itemGet",`, ``, "no operationId"},
		{"duplicate operationId", `"operationId": "itemSpecial"`, `"operationId": "itemGet"`, "also used"},
		{"bad scope", `"x-switchboard-scope": "any"`, `"x-switchboard-scope": "anyone"`, "x-switchboard-scope"},
		{"public with security", `"security": [],`, ``, "security"},
		{"other media type", `"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}`, `"content": {"text/plain": {"schema": {"$ref": "#/components/schemas/Item"}`, "text/plain"},
		{"version", `"openapi": "3.1.0"`, `"openapi": "3.0.3"`, "3.1"},
	} {
		doc := strings.Replace(testDoc, c.from, c.to, 1)
		if doc == testDoc {
			t.Fatalf("%s: the replacement did not apply", c.name)
		}
		_, err := Load([]byte(doc))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}

func TestCheckExamples(t *testing.T) {
	if err := load(t, testDoc).CheckExamples(); err != nil {
		t.Fatalf("valid example refused: %v", err)
	}
	bad := strings.Replace(testDoc, `{"id": "a", "n": 1}`, `{"id": "a"}`, 1)
	err := load(t, bad).CheckExamples()
	if err == nil || !strings.Contains(err.Error(), "examples/good") {
		t.Fatalf("CheckExamples = %v, want the bad example named", err)
	}
}

func TestLoadCompilesOncePerDocument(t *testing.T) {
	a, b := load(t, testDoc), load(t, testDoc)
	if a != b {
		t.Fatal("the same document was compiled twice")
	}
}

// requestDoc has one operation with each kind of request input: a path wildcard, a query
// parameter, a required header, security and a JSON body.
const requestDoc = `{
  "openapi": "3.1.0",
  "info": {"title": "t", "version": "1"},
  "security": [{"token": []}],
  "paths": {
    "/items/{id}": {
      "post": {
        "operationId": "itemPut", "x-switchboard-scope": "any", "x-switchboard-rate-limit": [],
        "parameters": [
          {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[a-z]+$"}},
          {"name": "async", "in": "query", "schema": {"type": "boolean"}}
        ],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}},
        "responses": {"204": {"description": "stored"}}
      }
    }
  },
  "components": {
    "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "token"}},
    "schemas": {
      "Item": {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}, "additionalProperties": false}
    }
  }
}`

func TestValidateRequest(t *testing.T) {
	v := load(t, requestDoc)
	token := http.Header{"Token": {"sb_acc_x"}, "Content-Type": {"application/json"}}
	if err := v.ValidateRequest("POST", "/items/abc?async=true", token, []byte(`{"n":1}`)); err != nil {
		t.Fatalf("a valid request was refused: %v", err)
	}
	for _, c := range []struct {
		name, path string
		header     http.Header
		body, want string
	}{
		{"extra field", "/items/abc", token, `{"n":1,"x":2}`, "'x' not allowed"},
		{"wrong type", "/items/abc", token, `{"n":"1"}`, "n"},
		{"bad wildcard", "/items/ABC", token, `{"n":1}`, "id"},
		{"bad query", "/items/abc?async=maybe", token, `{"n":1}`, "async"},
		{"no token", "/items/abc", http.Header{"Content-Type": {"application/json"}}, `{"n":1}`, "token"},
		{"no route", "/things/abc", token, `{"n":1}`, "no operation"},
	} {
		err := v.ValidateRequest("POST", c.path, c.header, []byte(c.body))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}

// TestValidateUnmatchedAnyMethod checks answers to methods no operation has, standard or not,
// against x-switchboard-unmatched.
func TestValidateUnmatchedAnyMethod(t *testing.T) {
	v := load(t, testDoc)
	for _, method := range []string{"BREW", "PATCH", "HEAD"} {
		if err := v.Validate(method, "/nothing", 404, jsonHeader(), []byte(`{"error":"no route"}`)); err != nil {
			t.Errorf("%s: %v", method, err)
		}
	}
	if err := v.Validate("BREW", "/items/a", 404, jsonHeader(), []byte(`{"nope":1}`)); err == nil {
		t.Error("BREW: a body outside the unmatched schema was accepted")
	}
}
