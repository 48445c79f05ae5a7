package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/switchboard/switchboard/httpapi/internal/openapidoc"
)

// TestSplitRoundTrip splits the committed document and assembles it again: the result must be
// the same bytes, so the YAML sources lose nothing of the JSON (key order, types, prose).
func TestSplitRoundTrip(t *testing.T) {
	raw, err := os.ReadFile("../../openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	files, err := Split(raw)
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for _, f := range files {
		fsys[f.Name] = &fstest.MapFile{Data: f.Data}
	}
	got, err := openapidoc.Assemble(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, raw) {
		t.Fatal("split then assembled, openapi.json changed; run `go generate ./httpapi` if the YAML sources are newer")
	}
	if _, ok := fsys["instance.yaml"]; !ok {
		t.Fatal("no instance.yaml: the paths were not split by module")
	}
}

// TestSplitPlacesComponentsByUse puts a component used by one module next to it, and one used
// by two modules (or by base.yaml) in components.yaml, through references between components.
func TestSplitPlacesComponentsByUse(t *testing.T) {
	doc := `{"openapi": "3.1.0", "tags": [{"name": "a"}, {"name": "b"}],
	  "x-top": {"$ref": "#/components/schemas/Top"},
	  "paths": {
	    "/a": {"get": {"tags": ["a"], "x": [{"$ref": "#/components/schemas/OnlyA"}, {"$ref": "#/components/schemas/Both"}]}},
	    "/b": {"get": {"tags": ["b"], "x": {"$ref": "#/components/schemas/Both"}}}
	  },
	  "components": {"schemas": {
	    "Top": {}, "OnlyA": {"$ref": "#/components/schemas/Inner"}, "Inner": {},
	    "Both": {"$ref": "#/components/schemas/UnderBoth"}, "UnderBoth": {}, "Unused": {}
	  }}}`
	files, err := Split([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range files {
		got[f.Name] = string(f.Data)
	}
	for file, names := range map[string][]string{
		"components.yaml": {"Top:", "Both:", "UnderBoth:", "Unused:"},
		"a.yaml":          {"OnlyA:", "Inner:"},
	} {
		for _, name := range names {
			if !strings.Contains(got[file], "\n    "+name) {
				t.Errorf("%s is not in %s:\n%s", name, file, got[file])
			}
		}
	}
	if strings.Contains(got["b.yaml"], "components:") {
		t.Errorf("b.yaml has components of its own:\n%s", got["b.yaml"])
	}
}
