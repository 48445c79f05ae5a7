package cluster

import (
	"context"

	"github.com/switchboard/switchboard"
)

// FencedWriter records session columns with the writer's lease epoch (store.Store).
type FencedWriter interface {
	SetSessionFenced(ctx context.Context, id int64, deviceJID string, autoConnect, loggedOut bool, epoch int64) error
}

// Fence returns inner with SetSession carrying this node's epoch for the instance, so that the
// database refuses the write once the lease has moved on. An instance this node holds no lease
// of writes with epoch -1, refused whenever another node holds one.
func (n *Node) Fence(inner switchboard.InstanceStore, w FencedWriter) switchboard.InstanceStore {
	return fencedInstances{InstanceStore: inner, w: w, n: n}
}

type fencedInstances struct {
	switchboard.InstanceStore
	w FencedWriter
	n *Node
}

func (f fencedInstances) SetSession(ctx context.Context, id int64, deviceJID string, autoConnect, loggedOut bool) error {
	epoch, ok := f.n.Epoch(id)
	if !ok {
		epoch = -1
	}
	return f.w.SetSessionFenced(ctx, id, deviceJID, autoConnect, loggedOut, epoch)
}
