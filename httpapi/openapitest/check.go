package openapitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	liberrors "github.com/pb33f/libopenapi-validator/errors"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// Validate checks one answer: the status must be documented for the operation the request
// reaches (or, for a request no operation matches, under x-switchboard-unmatched), the
// required headers present and well-formed, and the body valid against the status's schema.
// path may carry a query string.
func (v *Validator) Validate(method, path string, status int, header http.Header, body []byte) error {
	path, query, _ := strings.Cut(path, "?")
	var (
		responses map[string]*response
		item      *v3.PathItem
		template  = "x-switchboard-unmatched"
		name      = "a request no operation matches"
		libMethod = http.MethodGet // any method the library knows reaches the unmatched operation
	)
	if v.unmatched != nil {
		responses, item = v.unmatched.responses, v.unmatched.item
	}
	if r := v.match(path); r != nil {
		if op := r.methods[lookupMethod(method)]; op != nil {
			responses, item, template, libMethod = op.responses, r.item, r.template, method
			name = "operation " + op.ID + " (" + op.Method + " " + op.Path + ")"
		}
	}
	resp := pick(responses, status)
	if resp == nil {
		return fmt.Errorf("status %d is not documented for %s; documented: %s", status, name, strings.Join(sortedKeys(responses), ", "))
	}
	if err := resp.checkBody(method, header, body); err != nil {
		return fmt.Errorf("%s, response %d (%s): %w", name, status, resp.where, err)
	}
	req := &http.Request{Method: libMethod, URL: &url.URL{Path: path, RawQuery: query}, Header: http.Header{}}
	answer := &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(bytes.NewReader(body)), Request: req}
	if answer.Header == nil {
		answer.Header = http.Header{}
	}
	lib := v.lib.GetResponseBodyValidator()
	if method == http.MethodHead {
		lib = v.headers // the headers were sent; the body was not
	}
	if ok, errs := lib.ValidateResponseBodyWithPathItem(req, answer, item, template); !ok {
		return fmt.Errorf("%s, response %d (%s): body %.600s\n%w", name, status, resp.where, body, libErrors(errs))
	}
	return nil
}

// ValidateRequest checks one request against the operation it reaches: path and query
// parameters, headers, security (a token where the operation needs one) and the JSON body.
// path may carry a query string.
func (v *Validator) ValidateRequest(method, path string, header http.Header, body []byte) error {
	r := v.match(strings.SplitN(path, "?", 2)[0])
	var op *operation
	if r != nil {
		op = r.methods[lookupMethod(method)]
	}
	if op == nil {
		return fmt.Errorf("no operation of the document matches %s %s", method, path)
	}
	req, err := http.NewRequest(method, "http://switchboard.test"+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if header != nil {
		req.Header = header.Clone()
	}
	if ok, errs := v.lib.ValidateHttpRequestSyncWithPathItem(req, r.item, r.template); !ok {
		return fmt.Errorf("request to operation %s (%s): %w", op.ID, op.Pattern(), libErrors(errs))
	}
	return nil
}

// checkBody holds the two rules of an answer's body the library leaves open: a response
// documented without a body has none (the library skips such a response), and a JSON one says
// so in Content-Type and parses (checked first, so an HTML error page is reported as such
// rather than as a list of schema failures).
func (r *response) checkBody(method string, header http.Header, body []byte) error {
	if !r.hasBody {
		if len(bytes.TrimSpace(body)) > 0 {
			return fmt.Errorf("the response documents no body, got %d bytes", len(body))
		}
		return nil
	}
	mediaType, _, err := mime.ParseMediaType(header.Get("Content-Type"))
	if err != nil || mediaType != "application/json" {
		return fmt.Errorf("Content-Type %q, want application/json", header.Get("Content-Type"))
	}
	if method != http.MethodHead && !json.Valid(body) {
		return fmt.Errorf("the body is not JSON: %.200q", body)
	}
	return nil
}

// libErrors rewords the library's findings as one error, a line each, with the place in the
// body and the schema keyword that failed.
func libErrors(errs []*liberrors.ValidationError) error {
	var out []error
	for _, e := range errs {
		msg := e.Message
		if e.Reason != "" {
			msg += ": " + e.Reason
		}
		for _, f := range e.SchemaValidationErrors {
			at := f.FieldPath
			if at == "" {
				at = "/" + strings.Join(f.InstancePath, "/")
			}
			msg += fmt.Sprintf("\n  at %s (%s): %s", at, f.KeywordLocation, f.Reason)
		}
		out = append(out, errors.New(msg))
	}
	if len(out) == 0 {
		return errors.New("invalid, without a reason")
	}
	return errors.Join(out...)
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
