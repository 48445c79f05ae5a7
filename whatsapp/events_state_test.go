package whatsapp

import (
	"testing"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/outbox"
)

func TestStateEventData(t *testing.T) {
	device := types.NewADJID("5511999990001", 0, 7)
	expire := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		state  switchboard.InstanceState
		reason string
		device types.JID
		want   string // "" when not reported
	}{
		{switchboard.StateConnected, "", device, switchboard.EventStateConnected},
		{switchboard.StateConnecting, "", types.EmptyJID, ""}, // a first login: the QR follows
		{switchboard.StateConnecting, "", device, switchboard.EventStateReconnecting},
		{switchboard.StateLoggedOut, reasonLoggedOut, types.EmptyJID, switchboard.EventStateLoggedOut},
		{switchboard.StateDisconnected, reasonReplaced, device, switchboard.EventStateDisconnected},
		{switchboard.StateDisconnected, reasonTemporaryBan, device, switchboard.EventStateTempBanned},
	}
	for _, c := range cases {
		d, ok := stateEventData(c.state, c.reason, c.device, expire)
		if got := map[bool]string{true: d.State, false: ""}[ok]; got != c.want {
			t.Errorf("%s/%s: %q, want %q", c.state, c.reason, got, c.want)
		}
	}
	d, _ := stateEventData(switchboard.StateConnected, "", device, time.Time{})
	if d.NumberJID != "5511999990001@s.whatsapp.net" {
		t.Errorf("numberJid %q", d.NumberJID)
	}
	d, _ = stateEventData(switchboard.StateDisconnected, reasonTemporaryBan, device, expire)
	if d.Expire == nil || !d.Expire.Equal(expire) || d.Reason != reasonTemporaryBan {
		t.Errorf("temp_banned %+v", d)
	}
}

// TestStateEventsDeduplicated: a state repeated by whatsmeow is reported once, a new QR code is a
// new event, and they reach the real outbox table in order.
func TestStateEventsDeduplicated(t *testing.T) {
	e := newEnv(t)
	inst := e.instance("x")
	ob := outbox.New(outbox.Options{Store: e.store})
	defer ob.Close()
	s := newSession(inst, e.logger)
	s.events = newStateEmitter(ob, e.logger)
	s.lastEvent = initialStateEventKey(s)
	s.mu.Lock()
	s.setStateLocked(switchboard.StateDisconnected, "") // the initial state: not a change
	s.noteQRLocked("qr-1")
	s.noteQRLocked("qr-1")
	s.noteQRLocked("qr-2")
	s.device = types.NewADJID("1", 0, 1)
	s.setStateLocked(switchboard.StateConnected, "")
	s.setStateLocked(switchboard.StateConnected, "")
	s.mu.Unlock()
	s.events.close(5 * time.Second)
	rows, err := e.store.DB().Query(`SELECT data FROM events WHERE instance_id = $1 ORDER BY seq`, inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			t.Fatal(err)
		}
		got = append(got, string(data))
	}
	want := []string{`{"state":"qr_ready","qrCode":"qr-1"}`, `{"state":"qr_ready","qrCode":"qr-2"}`, `{"state":"connected","numberJid":"1@s.whatsapp.net"}`}
	if len(got) != len(want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("event %d = %s, want %s", i, got[i], want[i])
		}
	}
}
