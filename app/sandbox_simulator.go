package app

import (
	"context"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/wasim"
)

// simulator is what the /sandbox routes ask of wasim, the same whether it runs in this process
// (localSimulator over *wasim.Server) or stands alone behind its control API
// (*wasim.ControlClient, `serve --sandbox-url`). One adapter (sandbox) serves the routes over
// either, so the two modes cannot drift apart.
type simulator interface {
	ScanQR(ctx context.Context, qrText, phone string) (types.JID, error)
	EnterPairCode(ctx context.Context, phone, code string) (types.JID, error)
	RegisterPhone(ctx context.Context, phone, pushName string) (types.JID, error)
	LookupUser(ctx context.Context, user types.JID) (types.JID, bool, error)
	CreateGroup(ctx context.Context, req wasim.CreateGroupRequest) (wasim.GroupView, error)
	Group(ctx context.Context, jid types.JID) (wasim.GroupView, bool, error)
	AddFault(ctx context.Context, r wasim.FaultRule) error

	PhoneSendMessage(ctx context.Context, phone string, m wasim.PhoneMessage) (string, error)
	Inbox(ctx context.Context, phone string, since time.Time) (wasim.PhoneInbox, error)
	PhoneReceipt(ctx context.Context, phone string, chat types.JID, ids []string, typ string) error
	PhonePresence(ctx context.Context, phone, to, state string) error
	PhoneCall(ctx context.Context, phone string, to types.JID, action, callID string) (string, error)
}

var (
	_ simulator = localSimulator{}
	_ simulator = (*wasim.ControlClient)(nil)
)

// localSimulator is the embedded simulator as a simulator. Most of its calls finish without
// waiting on the network, so they take no context and never fail for want of a connection.
type localSimulator struct{ sim *wasim.Server }

func (l localSimulator) ScanQR(ctx context.Context, qrText, phone string) (types.JID, error) {
	return l.sim.ScanQR(ctx, qrText, phone)
}

func (l localSimulator) EnterPairCode(ctx context.Context, phone, code string) (types.JID, error) {
	return l.sim.EnterPairCode(ctx, phone, code)
}

func (l localSimulator) RegisterPhone(_ context.Context, phone, pushName string) (types.JID, error) {
	return l.sim.RegisterPhone(phone, pushName)
}

func (l localSimulator) LookupUser(_ context.Context, user types.JID) (types.JID, bool, error) {
	jid, ok := l.sim.LookupUser(user)
	return jid, ok, nil
}

func (l localSimulator) CreateGroup(_ context.Context, req wasim.CreateGroupRequest) (wasim.GroupView, error) {
	return l.sim.CreateGroup(req)
}

func (l localSimulator) Group(_ context.Context, jid types.JID) (wasim.GroupView, bool, error) {
	view, ok := l.sim.Group(jid)
	return view, ok, nil
}

func (l localSimulator) AddFault(_ context.Context, r wasim.FaultRule) error {
	l.sim.AddFault(r)
	return nil
}

func (l localSimulator) PhoneSendMessage(ctx context.Context, phone string, m wasim.PhoneMessage) (string, error) {
	return l.sim.PhoneSendMessage(ctx, phone, m)
}

func (l localSimulator) Inbox(_ context.Context, phone string, since time.Time) (wasim.PhoneInbox, error) {
	return l.sim.PhoneInbox(phone, since)
}

func (l localSimulator) PhoneReceipt(_ context.Context, phone string, chat types.JID, ids []string, typ string) error {
	return l.sim.PhoneReceipt(phone, chat, ids, typ)
}

func (l localSimulator) PhonePresence(_ context.Context, phone, to, state string) error {
	return l.sim.PhonePresence(phone, to, state)
}

func (l localSimulator) PhoneCall(_ context.Context, phone string, to types.JID, action, callID string) (string, error) {
	return l.sim.PhoneCall(phone, to, action, callID)
}
