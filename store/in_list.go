package store

import (
	"fmt"
	"strings"
)

// appendInList appends values to a query's args and returns their numbered placeholders, joined
// for an IN (...) list ("$3, $4, $5" after two args). The callers' lists are short (a receipt's
// message ids, a page of deliveries), so the numbered form costs SQLite nothing worth avoiding.
func appendInList(args []any, values []string) ([]any, string) {
	marks := make([]string, len(values))
	for i, v := range values {
		args = append(args, v)
		marks[i] = fmt.Sprintf("$%d", len(args))
	}
	return args, strings.Join(marks, ", ")
}
