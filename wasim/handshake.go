package wasim

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"go.mau.fi/whatsmeow/proto/waWa6"
	"go.mau.fi/whatsmeow/socket"
	"go.mau.fi/whatsmeow/util/keys"
)

// handshakeTimeout mirrors whatsmeow's NoiseHandshakeResponseTimeout.
const handshakeTimeout = 20 * time.Second

// handshake runs the responder side of Noise XX (whatsmeow handshake.go
// doHandshake, mirrored). On success the connection has transport ciphers,
// the client's long-term noise key (which identifies the device) and its
// ClientPayload (login or registration).
func (c *conn) handshake() error {
	ctx, cancel := context.WithTimeout(c.ctx, handshakeTimeout)
	defer cancel()

	raw, err := c.frames.next(ctx)
	if err != nil {
		return fmt.Errorf("read client hello: %w", err)
	}
	var hello waWa6.HandshakeMessage
	if err := proto.Unmarshal(raw, &hello); err != nil {
		return fmt.Errorf("decode client hello: %w", err)
	}
	clientEph := hello.GetClientHello().GetEphemeral()
	if len(clientEph) != 32 {
		return fmt.Errorf("client ephemeral has %d bytes", len(clientEph))
	}

	ns, err := newNoiseState(socket.WAConnHeader)
	if err != nil {
		return err
	}
	ns.mixHash(clientEph)
	eph := keys.NewKeyPair()
	ns.mixHash(eph.Pub[:])
	if err := ns.mixDH(*eph.Priv, [32]byte(clientEph)); err != nil {
		return err
	}
	encStatic := ns.encrypt(c.srv.static.Pub[:])
	if err := ns.mixDH(*c.srv.static.Priv, [32]byte(clientEph)); err != nil {
		return err
	}
	encCert := ns.encrypt(c.srv.certChain)
	out, err := proto.Marshal(&waWa6.HandshakeMessage{ServerHello: &waWa6.HandshakeMessage_ServerHello{
		Ephemeral: eph.Pub[:],
		Static:    encStatic,
		Payload:   encCert,
	}})
	if err != nil {
		return err
	}
	if err := c.writeFrame(out); err != nil {
		return fmt.Errorf("write server hello: %w", err)
	}

	raw, err = c.frames.next(ctx)
	if err != nil {
		return fmt.Errorf("read client finish: %w", err)
	}
	var finish waWa6.HandshakeMessage
	if err := proto.Unmarshal(raw, &finish); err != nil {
		return fmt.Errorf("decode client finish: %w", err)
	}
	clientStatic, err := ns.decrypt(finish.GetClientFinish().GetStatic())
	if err != nil || len(clientStatic) != 32 {
		return fmt.Errorf("decrypt client static: %v (len %d)", err, len(clientStatic))
	}
	if err := ns.mixDH(*eph.Priv, [32]byte(clientStatic)); err != nil {
		return err
	}
	payloadBytes, err := ns.decrypt(finish.GetClientFinish().GetPayload())
	if err != nil {
		return fmt.Errorf("decrypt client payload: %w", err)
	}
	var payload waWa6.ClientPayload
	if err := proto.Unmarshal(payloadBytes, &payload); err != nil {
		return fmt.Errorf("decode client payload: %w", err)
	}
	c.readC, c.writeC, err = ns.split()
	if err != nil {
		return err
	}
	c.noisePub = [32]byte(clientStatic)
	c.payload = &payload
	return nil
}
