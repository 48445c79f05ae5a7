package openapitest

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// newRoute splits a path template into segments, for match.
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
