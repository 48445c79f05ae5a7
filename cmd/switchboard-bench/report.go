package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
)

// result is what a scenario prints: a table, notes on method, the goals, and the figures that
// make up the final JSON line, in order.
type result struct {
	title   string
	columns []string
	rows    [][]string
	notes   []string
	goals   []goal
	figures []figure
}

type goal struct {
	text string // e.g. "ratio <= 1.25"
	met  bool
	got  string // the measured figure
}

type figure struct {
	key   string
	value any
}

func (r *result) row(cells ...string) { r.rows = append(r.rows, cells) }
func (r *result) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}
func (r *result) fig(key string, value any) { r.figures = append(r.figures, figure{key, value}) }
func (r *result) check(text string, met bool, got string) {
	r.goals = append(r.goals, goal{text, met, got})
}

// print writes the header, the table, the notes and goals, and the JSON line last.
func (r *result) print(w io.Writer, header []string) error {
	var b strings.Builder
	for _, h := range header {
		b.WriteString(h + "\n")
	}
	b.WriteString("\n" + r.title + "\n\n")
	// A Markdown table, aligned for the terminal and ready to paste into BENCHMARKS.md.
	tw := tabwriter.NewWriter(&b, 0, 0, 1, ' ', 0)
	cells := func(row []string) string { return "| " + strings.Join(row, "\t| ") + "\t|" }
	fmt.Fprintln(tw, cells(r.columns))
	sep := make([]string, len(r.columns))
	for i := range sep {
		sep[i] = "---"
	}
	fmt.Fprintln(tw, cells(sep))
	for _, row := range r.rows {
		fmt.Fprintln(tw, cells(row))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.notes) > 0 {
		b.WriteString("\n")
		for _, n := range r.notes {
			b.WriteString("note: " + n + "\n")
		}
	}
	if len(r.goals) > 0 {
		b.WriteString("\n")
		for _, g := range r.goals {
			verdict := "NOT MET"
			if g.met {
				verdict = "met"
			}
			fmt.Fprintf(&b, "goal: %-44s %-8s (%s)\n", g.text, verdict, g.got)
		}
	}
	line, err := r.jsonLine()
	if err != nil {
		return err
	}
	b.WriteString("\n" + line + "\n")
	_, err = io.WriteString(w, b.String())
	return err
}

// jsonLine encodes the figures as one object, keys in the scenario's order.
func (r *result) jsonLine() (string, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range r.figures {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.key)
		v, err := json.Marshal(f.value)
		if err != nil {
			return "", fmt.Errorf("figure %s: %w", f.key, err)
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.String(), nil
}

// The figures' arithmetic.

// perInstance is the growth from before to after shared among n instances; negative when the
// process shrank.
func perInstance(before, after uint64, n int) float64 {
	if n <= 0 {
		return 0
	}
	return (float64(after) - float64(before)) / float64(n)
}

// ratio is a/b, or 0 when b is 0 (no baseline to compare with).
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// linkFloor is the least time n paced links can take: the interval between each two of them.
func linkFloor(n int, intervalSeconds float64) float64 {
	if n <= 1 {
		return 0
	}
	return float64(n-1) * intervalSeconds
}

// overheadPerGroup is the time beyond the floor, per group, in milliseconds.
func overheadPerGroup(seconds, floorSeconds float64, n int) float64 {
	if n <= 0 {
		return 0
	}
	return (seconds - floorSeconds) / float64(n) * 1000
}

// round keeps a figure readable in JSON.
func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// Human units for the table.

func mib(bytes float64) string { return fmt.Sprintf("%.1f MiB", bytes/(1<<20)) }
func kib(bytes float64) string { return fmt.Sprintf("%.0f KiB", bytes/1024) }
func secs(s float64) string    { return fmt.Sprintf("%.2f s", s) }
func msec(ms float64) string   { return fmt.Sprintf("%.2f ms", ms) }
func times(r float64) string   { return fmt.Sprintf("%.2fx", r) }
