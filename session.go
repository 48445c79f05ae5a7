package switchboard

import "context"

// LoginCode is what `connect` hands back: a QR text to render, or a pairing code to type on the
// phone, or neither when the instance is already connected.
type LoginCode struct {
	QR        string
	PairCode  string
	Connected bool
}

// Sessions manages the live WhatsApp session of every instance. Implemented by package whatsapp;
// the HTTP layer only sees this interface.
type Sessions interface {
	// Status is the live connection state of inst (cheap: no I/O).
	Status(inst *Instance) ConnectionStatus
	// Connect starts a login: with phone == "" it waits for the first QR code, otherwise it asks
	// WhatsApp for a pairing code for that phone number. It waits at most until ctx ends.
	Connect(ctx context.Context, inst *Instance, phone string) (LoginCode, error)
	// Reconnect reopens a paired instance from its stored session without a QR.
	Reconnect(ctx context.Context, inst *Instance) error
	// Logout logs the device out of WhatsApp and forgets the session; the instance stays.
	Logout(ctx context.Context, inst *Instance) error
	// Remove logs out if paired and drops every trace of the session, before the instance row is
	// deleted.
	Remove(ctx context.Context, inst *Instance) error
	// Groups returns the instance's group client, or an error with CodeNotConnected.
	Groups(inst *Instance) (GroupClient, error)
	// Messages returns the instance's message client, or an error with CodeNotConnected.
	Messages(inst *Instance) (MessageClient, error)
	// Profile returns the instance's profile client, or an error with CodeNotConnected.
	Profile(inst *Instance) (ProfileClient, error)
	// Pacer is the instance's schedule of WhatsApp writes, shared by every route that writes for
	// it. It lives with the session, not with the HTTP layer, so that pacing follows whoever
	// runs the session; Remove forgets it.
	Pacer(inst *Instance) *Pacer
}
