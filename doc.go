// Package switchboard is the domain of the Switchboard WhatsApp HTTP API gateway: accounts,
// instances and their states, tokens, JIDs, groups, communities and the error type every adapter
// speaks. It imports only the standard library; the adapters (httpapi, whatsapp, store, wasim)
// depend on it, never the other way round.
package switchboard
