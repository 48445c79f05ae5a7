// Package httpapi serves Switchboard's REST API: RyzeAPI's routes, bodies, envelopes and error
// strings, on the standard library's ServeMux.
//
// Every request passes, in order: request id and access log, panic recovery, the 1 MiB body
// limit, route matching (unknown routes and wrong methods get JSON envelopes too), then for
// authenticated routes the per-IP auth-failure guard, token authentication, the per-token rate
// limit, and finally the handler. Handlers return an error; one renderer turns it into the
// RyzeAPI error envelope with the domain error code added as error.code.
//
// The package knows the domain (package switchboard) only: it never sees whatsmeow or SQL.
package httpapi
