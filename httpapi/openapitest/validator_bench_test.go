package openapitest_test

import (
	"net/http"
	"testing"

	"github.com/switchboard/switchboard/httpapi"
	"github.com/switchboard/switchboard/httpapi/openapitest"
)

// BenchmarkValidate measures one check of a typical answer against the real document, the cost
// the test harnesses add to every request.
func BenchmarkValidate(b *testing.B) {
	v, err := openapitest.Load(httpapi.OpenAPIDocument())
	if err != nil {
		b.Fatal(err)
	}
	header := http.Header{
		"Content-Type":          {"application/json; charset=utf-8"},
		"X-Ratelimit-Limit":     {"100"},
		"X-Ratelimit-Remaining": {"99"},
		"X-Ratelimit-Reset":     {"1777636860"},
		"Ratelimit-Policy":      {`"global";q=100;w=60`},
		"Ratelimit":             {`"global";r=99;t=60`},
	}
	body := []byte(`{"success":true,"message":"Linked 1 of 2 groups to community","linked":["120363406289005074@g.us"],` +
		`"failed":["120363406289005075@g.us"],"results":[{"jid":"120363406289005074@g.us","status":"linked"},` +
		`{"jid":"120363406289005075@g.us","status":"failed","reason":"not_admin","message":"the instance is not an admin of the group"}]}`)
	for b.Loop() {
		if err := v.Validate("POST", "/api/community/link/sales", 200, header, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad measures compiling the real document, done once per test binary.
func BenchmarkLoad(b *testing.B) {
	doc := httpapi.OpenAPIDocument()
	for b.Loop() {
		doc = append(doc, ' ') // another document each time, so the cache cannot answer
		if _, err := openapitest.Load(doc); err != nil {
			b.Fatal(err)
		}
	}
}
