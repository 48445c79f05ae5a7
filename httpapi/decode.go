package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// MaxBodyBytes caps every request body. JSON bodies of this API are small; media routes, when
// they come, get their own cap.
const MaxBodyBytes = 1 << 20

// bodyError is a malformed body. Its client message stays RyzeAPI's exact `Invalid request
// body`; detail (additive error.detail) says what was wrong without echoing any value, since
// bodies carry tokens and passwords.
type bodyError struct{ detail string }

func (e *bodyError) Error() string { return errInvalidBody.Message + ": " + e.detail }
func (e *bodyError) Unwrap() error { return errInvalidBody }

// decodeJSON reads exactly one JSON value into dst.
//
// Unknown fields are accepted and ignored: RyzeAPI clients send many optional blocks (webhook*,
// chatwoot*, s3*...) that a route may not use, and refusing them would break those clients.
// Anything after the value other than whitespace is refused, since it means the client and the
// server disagree about where the body ends. Wrong JSON types are refused with the field named.
func decodeJSON(r *http.Request, dst any) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(dst); err != nil {
		return decodeFailure(err)
	}
	var trailing json.RawMessage
	switch err := dec.Decode(&trailing); {
	case errors.Is(err, io.EOF):
		return nil
	case err == nil:
		return &bodyError{detail: "unexpected data after the JSON value"}
	default:
		if tooLarge(err) {
			return errBodyTooLarge
		}
		return &bodyError{detail: "unexpected data after the JSON value"}
	}
}

// requireJSON refuses bodies that declare another media type. A missing Content-Type is
// accepted: curl and many scripts omit it, and the body is parsed as JSON regardless.
func requireJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mediaType, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return errNotJSON
	}
	if mediaType == "application/json" || strings.HasSuffix(mediaType, "+json") {
		return nil
	}
	return errNotJSON
}

// decodeFailure turns encoding/json's errors into client errors without their values.
func decodeFailure(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var bodyErr *bodyError
	switch {
	case errors.As(err, &bodyErr):
		return bodyErr
	case tooLarge(err):
		return errBodyTooLarge
	case errors.Is(err, io.EOF):
		return &bodyError{detail: "the body is empty"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &bodyError{detail: "the JSON value is truncated"}
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return &bodyError{detail: fmt.Sprintf("the body must be %s", jsonKind(typeErr.Type.Kind().String()))}
		}
		return &bodyError{detail: fmt.Sprintf("field %q must be %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String()))}
	case errors.As(err, &syntaxErr):
		return &bodyError{detail: fmt.Sprintf("malformed JSON at byte %d", syntaxErr.Offset)}
	default:
		return &bodyError{detail: "malformed JSON"}
	}
}

// tooLarge reports whether reading stopped at the body limit.
func tooLarge(err error) bool {
	var maxErr *http.MaxBytesError
	return errors.As(err, &maxErr)
}

// jsonKind names a Go kind the way a JSON client thinks of it.
func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	default:
		return "of another type"
	}
}
