package main

import (
	"bufio"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"time"
)

// logWatch reads the gateway's JSON log lines: it copies them to a file, remembers the first
// line of each message (what the boot scenario needs: "reconnecting saved sessions", "saved
// sessions reconnected"), counts lines per message, and keeps the last lines for error
// reports. Memory stays bounded: one entry per distinct message, and the messages are the
// gateway's fixed strings.
type logWatch struct {
	out io.Writer

	mu      sync.Mutex
	firsts  map[string]map[string]any
	seenAt  map[string]time.Time // when this process read the line: timings need no clock of the child
	counts  map[string]int
	signals map[string]chan struct{}
	last    []string
}

const logTailLines = 30

func newLogWatch(out io.Writer) *logWatch {
	return &logWatch{out: out, firsts: map[string]map[string]any{}, seenAt: map[string]time.Time{}, counts: map[string]int{}, signals: map[string]chan struct{}{}}
}

// consume reads r to its end.
func (w *logWatch) consume(r io.Reader) {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			w.record(line)
		}
		if err != nil {
			return
		}
	}
}

func (w *logWatch) record(line string) {
	now := time.Now()
	_, _ = io.WriteString(w.out, line)
	msg := logMessage(line)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.last = append(w.last, strings.TrimRight(line, "\n"))
	if len(w.last) > logTailLines {
		w.last = w.last[len(w.last)-logTailLines:]
	}
	if msg == "" {
		return
	}
	w.counts[msg]++
	if _, done := w.firsts[msg]; done {
		return
	}
	// Only first lines are decoded: under the http scenario's load the gateway writes an access
	// line per request, and decoding each would take CPU from the servers being measured.
	var fields map[string]any
	_ = json.Unmarshal([]byte(line), &fields)
	w.firsts[msg], w.seenAt[msg] = fields, now
	if ch := w.signals[msg]; ch != nil {
		close(ch)
	} else {
		ch = make(chan struct{})
		close(ch)
		w.signals[msg] = ch
	}
}

// logMessage finds the "msg" of a slog JSON line without decoding it. slog writes time, level,
// then msg, and escapes quotes inside strings, so the first `"msg":"` is the key and the next
// unescaped quote ends the value. Messages with escapes are returned raw, which only matters
// for matching, and the gateway's fixed messages have none.
func logMessage(line string) string {
	const key = `"msg":"`
	i := strings.Index(line, key)
	if i < 0 {
		return ""
	}
	rest := line[i+len(key):]
	for j := 0; j < len(rest); j++ {
		switch rest[j] {
		case '\\':
			j++
		case '"':
			return rest[:j]
		}
	}
	return ""
}

// seen is closed once a line with msg was logged.
func (w *logWatch) seen(msg string) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch := w.signals[msg]
	if ch == nil {
		ch = make(chan struct{})
		w.signals[msg] = ch
	}
	return ch
}

// first is the first line logged with msg, nil if none yet.
func (w *logWatch) first(msg string) map[string]any {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.firsts[msg]
}

// firstAt is when the first line with msg was read, zero if none yet.
func (w *logWatch) firstAt(msg string) time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seenAt[msg]
}

// count is how many lines were logged with msg.
func (w *logWatch) count(msg string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.counts[msg]
}

// tail is the last lines, for an error message.
func (w *logWatch) tail() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return "gateway log (last lines):\n" + strings.Join(w.last, "\n")
}
