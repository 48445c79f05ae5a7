// Package e2e holds end-to-end tests: the gateway as users run it (real HTTP server, store,
// whatsmeow clients and the sandbox simulator), driven only through its HTTP API and, for
// ground truth, the simulator.
package e2e
