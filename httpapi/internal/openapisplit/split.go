// Command openapisplit writes httpapi/openapi.json out as the YAML sources that openapigen
// assembles (see package openapidoc for their layout). It is a one-shot migration tool: run it
// from httpapi/ while openapi.json is still the file people edit, then `go generate` and delete
// this command.
//
//	cd httpapi && go run ./internal/openapisplit && go generate .
//
// A path goes to the module file of its operations' first tag. A component goes next to the
// one module whose paths reach it (through other components too); one reached by several
// modules, by base.yaml's keys or by nothing goes to components.yaml. Every *.yaml file of the
// output directory is replaced.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/switchboard/switchboard/httpapi/internal/openapidoc"
	"go.yaml.in/yaml/v3"
)

func main() {
	in := flag.String("in", "openapi.json", "the JSON document to split")
	out := flag.String("out", "openapi", "the directory of the YAML sources (its *.yaml files are replaced)")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		log.Fatal("openapisplit: ", err)
	}
}

func run(in, out string) error {
	raw, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	files, err := Split(raw)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	stale, err := filepath.Glob(filepath.Join(out, "*.yaml"))
	if err != nil {
		return err
	}
	for _, f := range stale {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(out, f.Name), f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// File is one YAML source.
type File struct {
	Name string
	Data []byte
}

// Split turns the JSON document into YAML sources, base.yaml first.
func Split(raw []byte) ([]File, error) {
	doc, err := parseJSON(raw)
	if err != nil {
		return nil, err
	}
	if doc.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("the document is not a JSON object")
	}
	base := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	var paths, components *yaml.Node
	for i := 0; i+1 < len(doc.Content); i += 2 {
		switch doc.Content[i].Value {
		case "paths":
			paths = doc.Content[i+1]
		case "components":
			components = doc.Content[i+1]
		default:
			base.Content = append(base.Content, doc.Content[i], doc.Content[i+1])
		}
	}
	if paths == nil || components == nil {
		return nil, fmt.Errorf("the document has no paths or no components")
	}
	moduleFiles, err := openapidoc.ModuleFiles(base)
	if err != nil {
		return nil, err
	}
	modulePaths, err := pathsByModule(paths, moduleFiles)
	if err != nil {
		return nil, err
	}
	home := componentHomes(base, components, moduleFiles, modulePaths)

	files := []File{}
	add := func(name, comment string, content ...*yaml.Node) error {
		data, err := encode(comment, content...)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		files = append(files, File{name, data})
		return nil
	}
	if err := add(openapidoc.BaseFile, baseComment, base); err != nil {
		return nil, err
	}
	if err := add(openapidoc.ComponentsFile, componentsComment,
		section("components", componentsOf(components, home, openapidoc.ComponentsFile))); err != nil {
		return nil, err
	}
	for _, file := range moduleFiles {
		mine := modulePaths[file]
		comps := componentsOf(components, home, file)
		if len(mine.Content) == 0 && len(comps.Content) == 0 {
			continue
		}
		content := []*yaml.Node{section("paths", mine)}
		if len(comps.Content) > 0 {
			content = append(content, section("components", comps))
		}
		comment := fmt.Sprintf(moduleComment, strings.TrimSuffix(file, ".yaml"))
		if err := add(file, comment, content...); err != nil {
			return nil, err
		}
	}
	return files, nil
}

const (
	baseComment = `The OpenAPI document served at /openapi.json is assembled from the YAML files of this
directory by ` + "`go generate ./httpapi`" + `: this file (everything but paths and components), then
components.yaml (the components several modules share), then one file per tag below with the
paths of that module and the components only it uses. Edit these files, not openapi.json.`
	componentsComment = `Components shared by several modules (or by base.yaml). A component used by one module
only lives in that module's file.`
	moduleComment = `The %s routes, and the components only they use.`
)

// pathsByModule sorts the paths into their module files, keeping their order.
func pathsByModule(paths *yaml.Node, moduleFiles []string) (map[string]*yaml.Node, error) {
	out := map[string]*yaml.Node{}
	for _, f := range moduleFiles {
		out[f] = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	}
	for i := 0; i+1 < len(paths.Content); i += 2 {
		template, item := paths.Content[i].Value, paths.Content[i+1]
		tag := ""
		for j := 0; j+1 < len(item.Content); j += 2 {
			if !isMethod(item.Content[j].Value) {
				continue
			}
			first := ""
			if tags := value(item.Content[j+1], "tags"); tags != nil && len(tags.Content) > 0 {
				first = tags.Content[0].Value
			}
			if tag != "" && first != tag {
				return nil, fmt.Errorf("path %s: its operations have different first tags (%q, %q)", template, tag, first)
			}
			tag = first
		}
		m := out[tag+".yaml"]
		if tag == "" || m == nil {
			return nil, fmt.Errorf("path %s: its operations' first tag %q is not one of the document's tags", template, tag)
		}
		m.Content = append(m.Content, paths.Content[i], item)
	}
	return out, nil
}

// componentHomes decides the file of every component, keyed "section/name".
func componentHomes(base, components *yaml.Node, moduleFiles []string, modulePaths map[string]*yaml.Node) map[string]string {
	defs := map[string]*yaml.Node{}
	for i := 0; i+1 < len(components.Content); i += 2 {
		sec := components.Content[i+1]
		for j := 0; j+1 < len(sec.Content); j += 2 {
			defs[components.Content[i].Value+"/"+sec.Content[j].Value] = sec.Content[j+1]
		}
	}
	users := map[string]map[string]bool{} // component -> the roots that reach it
	reach := func(root string, from *yaml.Node) {
		queue := refs(from)
		for len(queue) > 0 {
			c := queue[0]
			queue = queue[1:]
			if users[c] == nil {
				users[c] = map[string]bool{}
			}
			if users[c][root] {
				continue
			}
			users[c][root] = true
			if def := defs[c]; def != nil {
				queue = append(queue, refs(def)...)
			}
		}
	}
	reach(openapidoc.BaseFile, base)
	for _, f := range moduleFiles {
		reach(f, modulePaths[f])
	}
	home := map[string]string{}
	for c := range defs {
		home[c] = openapidoc.ComponentsFile
		if len(users[c]) == 1 {
			for root := range users[c] {
				if root != openapidoc.BaseFile {
					home[c] = root
				}
			}
		}
	}
	return home
}

// refs lists the components a node refers to ("schemas/Error404"), in document order.
func refs(n *yaml.Node) []string {
	var out []string
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value != "$ref" {
					continue
				}
				if target, ok := strings.CutPrefix(n.Content[i+1].Value, "#/components/"); ok {
					sec, name, _ := strings.Cut(target, "/")
					name = strings.ReplaceAll(strings.ReplaceAll(name, "~1", "/"), "~0", "~")
					out = append(out, sec+"/"+name)
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
	return out
}

// componentsOf is the components section of one file: the sections in document order, each
// with the entries that live in file, in document order.
func componentsOf(components *yaml.Node, home map[string]string, file string) *yaml.Node {
	out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i+1 < len(components.Content); i += 2 {
		name, sec := components.Content[i], components.Content[i+1]
		mine := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for j := 0; j+1 < len(sec.Content); j += 2 {
			if home[name.Value+"/"+sec.Content[j].Value] == file {
				mine.Content = append(mine.Content, sec.Content[j], sec.Content[j+1])
			}
		}
		if len(mine.Content) > 0 {
			out.Content = append(out.Content, name, mine)
		}
	}
	return out
}

func section(key string, val *yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, val,
	}}
}

// encode writes mappings as one YAML document, the first preceded by comment.
func encode(comment string, parts ...*yaml.Node) ([]byte, error) {
	top := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for _, p := range parts {
		top.Content = append(top.Content, p.Content...)
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode, HeadComment: comment, Content: []*yaml.Node{top}}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func value(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func isMethod(key string) bool {
	switch key {
	case "get", "put", "post", "delete", "options", "head", "patch", "trace":
		return true
	}
	return false
}
