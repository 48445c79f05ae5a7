package openapidoc

import (
	"strings"
	"testing"
	"testing/fstest"
)

// sources is a small tree with one of each file kind.
func sources() fstest.MapFS {
	return fstest.MapFS{
		"base.yaml": {Data: []byte(`
openapi: 3.1.0
info: {title: t, version: "1"}
tags:
  - name: b
  - name: a
security: []
`)},
		"components.yaml": {Data: []byte(`
components:
  schemas:
    Shared: {type: string}
`)},
		"a.yaml": {Data: []byte(`
paths:
  /a:
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}
components:
  schemas:
    A: {type: object, required: [x, "y"], properties: {x: {type: integer, minimum: 0}, "y": {type: boolean}}}
  examples:
    AX: {value: null}
`)},
		"b.yaml": {Data: []byte(`
paths:
  /b: {}
`)},
	}
}

func TestAssembleOrdersByFileAndFormats(t *testing.T) {
	got, err := Assemble(sources())
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "openapi": "3.1.0",
  "info": {
    "title": "t",
    "version": "1"
  },
  "tags": [
    {
      "name": "b"
    },
    {
      "name": "a"
    }
  ],
  "security": [],
  "paths": {
    "/b": {},
    "/a": {
      "get": {
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/A"
                }
              }
            }
          }
        }
      }
    }
  },
  "components": {
    "schemas": {
      "Shared": {
        "type": "string"
      },
      "A": {
        "type": "object",
        "required": ["x", "y"],
        "properties": {
          "x": {
            "type": "integer",
            "minimum": 0
          },
          "y": {
            "type": "boolean"
          }
        }
      }
    },
    "examples": {
      "AX": {
        "value": null
      }
    }
  }
}
`
	if string(got) != want {
		t.Fatalf("assembled:\n%s\nwant:\n%s", got, want)
	}
}

func TestAssembleRefusesAmbiguousSources(t *testing.T) {
	for _, c := range []struct{ name, file, from, to, want string }{
		{"path twice", "b.yaml", "/b: {}", "/a: {}", `paths "/a" is defined twice`},
		{"component twice", "components.yaml", "Shared:", "A:", `components.schemas "A" is defined twice`},
		{"key twice", "a.yaml", "minimum: 0", "minimum: 0, type: string", `key "type" twice`},
		{"paths in base", "base.yaml", "security: []", "paths: {}", `"paths" belongs in`},
		{"paths in components", "components.yaml", "components:", "paths: {}\ncomponents:", `unexpected key "paths"`},
		{"other key in a module", "b.yaml", "paths:", "info: {}\npaths:", `unexpected key "info"`},
		{"merge key", "a.yaml", "AX: {value: null}", "AX: {<<: {value: 1}}", "merge keys"},
		{"tag without a file name", "base.yaml", "- name: b", "- name: ../b", "cannot name a module file"},
	} {
		fsys := sources()
		data := string(fsys[c.file].Data)
		if !strings.Contains(data, c.from) {
			t.Fatalf("%s: %q not in %s", c.name, c.from, c.file)
		}
		fsys[c.file] = &fstest.MapFile{Data: []byte(strings.Replace(data, c.from, c.to, 1))}
		_, err := Assemble(fsys)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}

func TestAssembleRefusesAFileNoTagNames(t *testing.T) {
	fsys := sources()
	fsys["c.yaml"] = &fstest.MapFile{Data: []byte("paths: {}\n")}
	_, err := Assemble(fsys)
	if err == nil || !strings.Contains(err.Error(), "c.yaml: no tag") {
		t.Fatalf("error %v, want the stray file named", err)
	}
}

func TestInlineListsFitTheirLine(t *testing.T) {
	items := strings.Repeat(`"abcdefgh", `, 12) // long enough to pass inlineWidth once indented
	fsys := sources()
	fsys["components.yaml"] = &fstest.MapFile{Data: []byte("components:\n  schemas:\n    Shared: {enum: [" +
		strings.TrimSuffix(items, ", ") + "]}\n    Short: {enum: [1, true, null, \"2\"]}\n")}
	got, err := Assemble(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), "\"enum\": [\n          \"abcdefgh\",\n") {
		t.Errorf("a list wider than the line stayed inline:\n%s", got)
	}
	if !strings.Contains(string(got), `"enum": [1, true, null, "2"]`) {
		t.Errorf("a short list of scalars was not kept inline, or lost its types:\n%s", got)
	}
}
