package whatsapp

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard"
)

// failingMessages refuses the first SaveMessage of a received message, then stores.
type failingMessages struct {
	switchboard.MessageStore
	refused atomic.Int64
}

func (f *failingMessages) SaveMessage(ctx context.Context, msg *switchboard.StoredMessage) error {
	if msg.Source == "whatsapp" && f.refused.CompareAndSwap(0, 1) {
		return errors.New("database unavailable")
	}
	return f.MessageStore.SaveMessage(ctx, msg)
}

// TestFailedMessageWriteIsRedelivered: when the message store refuses a received message, the
// handler reports failure, so whatsmeow neither acks it nor clears its plaintext, and the next
// login gets it again and stores it. Acked regardless, it was lost for good.
func TestFailedMessageWriteIsRedelivered(t *testing.T) {
	e := newEnv(t)
	msgs := &failingMessages{MessageStore: e.store}
	m := e.manager(func(o *Options) { o.Messages = msgs })
	inst := e.instance("shop")
	e.pairQR(m, inst, "15550720001")
	contact, err := e.sim.RegisterPhone("15550720002", "Contact")
	if err != nil {
		t.Fatal(err)
	}
	id, err := e.sim.PhoneSendText(ctxT(t), contact.User, types.NewJID("15550720001", types.DefaultUserServer), "first write fails")
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the first write refused", func() bool { return msgs.refused.Load() == 1 })
	if err := e.sim.DropConnection(e.deviceJID(inst)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the redelivered message stored", func() bool {
		_, err := e.store.Message(context.Background(), inst.ID, id)
		return err == nil
	})
}
