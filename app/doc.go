// Package app assembles Switchboard from its parts: the store, the embedded or remote WhatsApp
// simulator in sandbox mode, the WhatsApp session manager and the HTTP API. The command line
// and the end-to-end tests build the same App, so what the tests prove is what users run.
package app
