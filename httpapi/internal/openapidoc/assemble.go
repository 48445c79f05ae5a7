// Package openapidoc assembles the OpenAPI document served at /openapi.json from the YAML files
// a person edits, httpapi/openapi/*.yaml:
//
//   - base.yaml: everything but paths and components (openapi, info, tags, security,
//     x-switchboard-unmatched...);
//   - components.yaml: the components several modules share (components: only);
//   - one file per tag of base.yaml, named after it (instance.yaml...): the paths of that
//     module and the components only it uses (paths: and components: only).
//
// The assembled document is base.yaml's keys in order, then paths, then components. Paths come
// module by module in the order of base.yaml's tags; each components section lists
// components.yaml's entries first, then each module's, in file order. So the result depends
// only on the files' contents, and a name defined twice is an error rather than a silent
// override.
package openapidoc

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"

	"go.yaml.in/yaml/v3"
)

// Source file names that are not modules.
const (
	BaseFile       = "base.yaml"
	ComponentsFile = "components.yaml"
)

// Assemble reads the YAML files of fsys (its root directory) and returns the JSON document.
func Assemble(fsys fs.FS) ([]byte, error) {
	doc, err := Merge(fsys)
	if err != nil {
		return nil, err
	}
	return FormatJSON(doc)
}

// Merge reads the YAML files of fsys and returns the document as one mapping node.
func Merge(fsys fs.FS) (*yaml.Node, error) {
	base, err := readMapping(fsys, BaseFile)
	if err != nil {
		return nil, err
	}
	for _, key := range []string{"paths", "components"} {
		if value(base, key) != nil {
			return nil, fmt.Errorf("%s: %q belongs in %s or a module file, not here", BaseFile, key, ComponentsFile)
		}
	}
	modules, err := ModuleFiles(base)
	if err != nil {
		return nil, err
	}
	if err := checkNoStrayFiles(fsys, modules); err != nil {
		return nil, err
	}

	paths := mapping()
	components := mapping()
	for _, name := range append([]string{ComponentsFile}, modules...) {
		part, err := readMapping(fsys, name)
		if errors.Is(err, fs.ErrNotExist) && name != ComponentsFile {
			continue // a tag may describe no route yet
		}
		if err != nil {
			return nil, err
		}
		if err := mergeModule(name, part, paths, components); err != nil {
			return nil, err
		}
	}

	doc := mapping()
	doc.Content = append(doc.Content, base.Content...)
	doc.Content = append(doc.Content, scalar("paths"), paths, scalar("components"), components)
	return doc, nil
}

// ModuleFiles lists the module files base.yaml's tags name, in their order.
func ModuleFiles(base *yaml.Node) ([]string, error) {
	tags := value(base, "tags")
	if tags == nil || tags.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s: no list of tags, which name the module files", BaseFile)
	}
	var files []string
	for _, tag := range tags.Content {
		name := value(tag, "name")
		if name == nil || name.Kind != yaml.ScalarNode || name.Value == "" {
			return nil, fmt.Errorf("%s:%d: a tag without a name", BaseFile, tag.Line)
		}
		file := name.Value + ".yaml"
		if file == BaseFile || file == ComponentsFile || path.Base(file) != file {
			return nil, fmt.Errorf("%s:%d: tag %q cannot name a module file", BaseFile, tag.Line, name.Value)
		}
		files = append(files, file)
	}
	return files, nil
}

// checkNoStrayFiles refuses a YAML file the assembly would not read, so that nobody edits a
// file that is silently ignored (a module file whose tag is missing from base.yaml, say).
func checkNoStrayFiles(fsys fs.FS, modules []string) error {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if path.Ext(name) != ".yaml" && path.Ext(name) != ".yml" {
			continue
		}
		if name != BaseFile && name != ComponentsFile && !slices.Contains(modules, name) {
			return fmt.Errorf("%s: no tag of %s names this module file", name, BaseFile)
		}
	}
	return nil
}

// mergeModule appends a file's paths and components to the document's.
func mergeModule(file string, part, paths, components *yaml.Node) error {
	for i := 0; i+1 < len(part.Content); i += 2 {
		key, val := part.Content[i], part.Content[i+1]
		switch {
		case key.Value == "components":
			if val.Kind != yaml.MappingNode {
				return fmt.Errorf("%s:%d: components is not a mapping", file, val.Line)
			}
			for j := 0; j+1 < len(val.Content); j += 2 {
				section, entries := val.Content[j], val.Content[j+1]
				if entries.Kind != yaml.MappingNode {
					return fmt.Errorf("%s:%d: components.%s is not a mapping", file, entries.Line, section.Value)
				}
				into := value(components, section.Value)
				if into == nil {
					into = mapping()
					components.Content = append(components.Content, scalar(section.Value), into)
				}
				if err := appendEntries(file, "components."+section.Value, into, entries); err != nil {
					return err
				}
			}
		case key.Value == "paths" && file != ComponentsFile:
			if val.Kind != yaml.MappingNode {
				return fmt.Errorf("%s:%d: paths is not a mapping", file, val.Line)
			}
			if err := appendEntries(file, "paths", paths, val); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s:%d: unexpected key %q (a module file holds paths and components, %s components only)",
				file, key.Line, key.Value, ComponentsFile)
		}
	}
	return nil
}

func appendEntries(file, where string, into, from *yaml.Node) error {
	for i := 0; i+1 < len(from.Content); i += 2 {
		if value(into, from.Content[i].Value) != nil {
			return fmt.Errorf("%s:%d: %s %q is defined twice", file, from.Content[i].Line, where, from.Content[i].Value)
		}
		into.Content = append(into.Content, from.Content[i], from.Content[i+1])
	}
	return nil
}

// readMapping parses one file, which must hold a single mapping.
func readMapping(fsys fs.FS, name string) (*yaml.Node, error) {
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: not a mapping", name)
	}
	if err := checkKeys(doc.Content[0]); err != nil {
		return nil, fmt.Errorf("%s:%w", name, err)
	}
	return doc.Content[0], nil
}

// checkKeys refuses a mapping with a key twice, which JSON readers would resolve each their own
// way, and a key that is not a string.
func checkKeys(n *yaml.Node) error {
	if n.Kind == yaml.MappingNode {
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i]
			if key.Kind != yaml.ScalarNode {
				return fmt.Errorf("%d: a key that is not a string", key.Line)
			}
			if seen[key.Value] {
				return fmt.Errorf("%d: key %q twice", key.Line, key.Value)
			}
			seen[key.Value] = true
		}
	}
	for _, c := range n.Content {
		if err := checkKeys(c); err != nil {
			return err
		}
	}
	return nil
}

// value returns the value of key in a mapping node, or nil.
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

func mapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"} }

func scalar(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }
