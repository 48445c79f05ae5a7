package testkit

import "testing"

// TestGetWalksObjectsAndArrays: dotted paths through objects and arrays, nil for every missing
// or malformed step (so an assertion on an absent field fails rather than panics).
func TestGetWalksObjectsAndArrays(t *testing.T) {
	r := &Response{T: t, Body: map[string]any{
		"instance": map[string]any{"token": "sbi_x"},
		"results":  []any{map[string]any{"jid": "a"}, map[string]any{"jid": "b"}},
		"gone":     nil,
	}}
	for path, want := range map[string]any{
		"instance.token": "sbi_x", "results.1.jid": "b", "results.2.jid": nil, "results.-1": nil,
		"results.x": nil, "instance.token.deeper": nil, "missing": nil, "gone": nil,
	} {
		if got := r.Get(path); got != want {
			t.Errorf("Get(%q) = %v, want %v", path, got, want)
		}
	}
	if !r.Has("instance.token") || r.Has("gone") || len(r.Strings("results")) != 2 {
		t.Fatal("Has or Strings")
	}
}
