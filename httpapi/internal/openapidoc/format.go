package openapidoc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// inlineWidth is the widest line, trailing comma included, on which a list of scalars stays on
// one line ("required": ["a", "b"]); a longer one gets a line per item.
const inlineWidth = 130

// FormatJSON writes a node as JSON, indented by two spaces, keys in the node's order, with a
// trailing newline: the layout the document had when it was edited by hand, so that a diff of
// openapi.json stays readable.
func FormatJSON(n *yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	if err := writeJSON(&b, n, 0, 0); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	if !json.Valid(b.Bytes()) {
		return nil, fmt.Errorf("openapidoc: the assembled document is not valid JSON")
	}
	return b.Bytes(), nil
}

// writeJSON writes n at the given indent level; column is where the value starts on its line.
func writeJSON(b *bytes.Buffer, n *yaml.Node, level, column int) error {
	for n.Kind == yaml.DocumentNode || n.Kind == yaml.AliasNode {
		if n.Kind == yaml.AliasNode {
			n = n.Alias
		} else if len(n.Content) == 1 {
			n = n.Content[0]
		} else {
			return fmt.Errorf("openapidoc: an empty YAML document")
		}
	}
	indent := strings.Repeat("  ", level)
	switch n.Kind {
	case yaml.MappingNode:
		if len(n.Content) == 0 {
			b.WriteString("{}")
			return nil
		}
		b.WriteString("{\n")
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i]
			if key.Kind != yaml.ScalarNode || key.ShortTag() == "!!merge" {
				return fmt.Errorf("openapidoc: line %d: keys must be plain strings (no merge keys)", key.Line)
			}
			prefix := indent + "  " + quote(key.Value) + ": "
			b.WriteString(prefix)
			if err := writeJSON(b, n.Content[i+1], level+1, utf8.RuneCountInString(prefix)); err != nil {
				return err
			}
			if i+2 < len(n.Content) {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "}")
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			b.WriteString("[]")
			return nil
		}
		if line, ok, err := inlineScalars(n); err != nil {
			return err
		} else if ok && column+utf8.RuneCountInString(line)+1 <= inlineWidth {
			b.WriteString(line)
			return nil
		}
		b.WriteString("[\n")
		for i, item := range n.Content {
			b.WriteString(indent + "  ")
			if err := writeJSON(b, item, level+1, len(indent)+2); err != nil {
				return err
			}
			if i+1 < len(n.Content) {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "]")
	case yaml.ScalarNode:
		s, err := scalarJSON(n)
		if err != nil {
			return err
		}
		b.WriteString(s)
	default:
		return fmt.Errorf("openapidoc: line %d: unexpected YAML node", n.Line)
	}
	return nil
}

// inlineScalars renders a list of scalars on one line; ok is false when an item is not one.
func inlineScalars(n *yaml.Node) (string, bool, error) {
	items := make([]string, 0, len(n.Content))
	for _, item := range n.Content {
		if item.Kind != yaml.ScalarNode {
			return "", false, nil
		}
		s, err := scalarJSON(item)
		if err != nil {
			return "", false, err
		}
		items = append(items, s)
	}
	return "[" + strings.Join(items, ", ") + "]", true, nil
}

// scalarJSON renders a scalar by its YAML type (so "200" quoted is a string and 200 a number).
func scalarJSON(n *yaml.Node) (string, error) {
	switch n.ShortTag() {
	case "!!str":
		return quote(n.Value), nil
	case "!!null":
		return "null", nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return "", fmt.Errorf("openapidoc: line %d: %w", n.Line, err)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("openapidoc: line %d: %q has no JSON form: %w", n.Line, n.Value, err)
	}
	return string(out), nil
}

// quote is a JSON string literal, with <, > and & as themselves (the document shows them in
// prose, and no HTML page embeds it).
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}
