package whatsapp

import (
	"context"
	"fmt"
	"log/slog"

	waLog "go.mau.fi/whatsmeow/util/log"
)

// slogAdapter lets whatsmeow, which speaks waLog.Logger, write to the gateway's slog logger with
// the instance fields attached. whatsmeow logs every stanza it sends and receives at debug level,
// which would drown everything else with a few hundred instances, so debug lines pass only when
// the operator asked for them explicitly (Options.WhatsmeowDebug) and the handler wants them.
type slogAdapter struct {
	log    *slog.Logger
	module string
	debug  bool
}

// WaLogger returns a whatsmeow logger writing to log (which already carries the instance
// fields).
func WaLogger(log *slog.Logger, debug bool) waLog.Logger {
	return &slogAdapter{log: log, module: "whatsmeow", debug: debug}
}

func (a *slogAdapter) Errorf(msg string, args ...any) { a.write(slog.LevelError, msg, args) }
func (a *slogAdapter) Warnf(msg string, args ...any)  { a.write(slog.LevelWarn, msg, args) }
func (a *slogAdapter) Infof(msg string, args ...any)  { a.write(slog.LevelInfo, msg, args) }

func (a *slogAdapter) Debugf(msg string, args ...any) {
	if a.debug {
		a.write(slog.LevelDebug, msg, args)
	}
}

// Sub names a whatsmeow component. whatsmeow nests them ("Client" then "Recv"); the path goes in
// one "module" field rather than repeated attributes, which slog would print as duplicate keys.
func (a *slogAdapter) Sub(module string) waLog.Logger {
	return &slogAdapter{log: a.log, module: a.module + "/" + module, debug: a.debug}
}

// write formats only when the handler will keep the record: whatsmeow passes whole stanzas as
// arguments, and formatting them for nothing is measurable with many instances.
func (a *slogAdapter) write(level slog.Level, msg string, args []any) {
	ctx := context.Background()
	if !a.log.Enabled(ctx, level) {
		return
	}
	a.log.Log(ctx, level, fmt.Sprintf(msg, args...), "module", a.module)
}
