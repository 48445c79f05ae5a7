package switchboard

import "context"

type urgentWritesKey struct{}

// WithUrgentWrites marks ctx as the context of work that holds up an instance's send queue:
// whatsmeow saving the Signal sessions it just ratcheted and the outgoing event, both written
// while the next message of the instance waits. A store that queues its writers (SQLite's, see
// store/sqlite_gate.go) lets such writes go before the others, so a send's turn does not wait
// behind receipts, message rows and deliveries that nobody is waiting for.
func WithUrgentWrites(ctx context.Context) context.Context {
	return context.WithValue(ctx, urgentWritesKey{}, true)
}

// UrgentWrites reports whether ctx was marked by WithUrgentWrites.
func UrgentWrites(ctx context.Context) bool {
	v, _ := ctx.Value(urgentWritesKey{}).(bool)
	return v
}
