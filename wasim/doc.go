// Package wasim is a simulated WhatsApp server that the real, unmodified
// whatsmeow client talks to over a loopback websocket.
//
// It speaks WhatsApp's framing, the Noise XX handshake (as responder) and the
// binary node protocol, keeps the state of accounts, devices and groups, and
// plays the phone that scans a QR code or enters a pairing code. Tests and the
// sandbox mode of Switchboard use it so that no code path ever needs a real
// phone or the real WhatsApp service.
//
// Two process-level hooks make this possible without forking whatsmeow:
// the client's websocket HTTP clients are replaced by one that dials the
// simulator in plain TCP ([Server.HTTPClient], [HTTPClientFor]), and
// whatsmeow's trust root is replaced by the simulator's root key
// ([InstallTrustRoot]). The protocol facts and their sources are listed in
// FIDELITY.md next to this file.
//
// Typical use in a test (package wasimtest wraps these steps):
//
//	root := wasim.NewRootKey()
//	wasim.InstallTrustRoot(*root.Pub)          // once per process, in TestMain
//	sim, _ := wasim.New(wasim.Config{RootKey: root})
//	_ = sim.Listen("127.0.0.1:0")
//	cli.SetPreLoginHTTPClient(sim.HTTPClient()) // and SetWebsocketHTTPClient
//	cli.Connect()                              // emits events.QR
//	sim.ScanQR(ctx, qr.Codes[0], "")           // the phone scans it
//
// Concurrency: the read loop of each connection decodes stanzas in order
// and handles each in its own goroutine, because handlers wait for clients
// (pairing) and whatsmeow itself sends IQs from inside its handlers. One
// mutex guards accounts and devices; it is never held during socket or
// database I/O.
package wasim
