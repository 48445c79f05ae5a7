package httpapi

// sandboxRoutes registers the /sandbox routes, which exist only in --sandbox mode: they play the
// other side of WhatsApp, each on the caller's own simulated phones.
func (s *Server) sandboxRoutes(opts routeOptions) {
	s.handle("POST /sandbox/scan", s.authed(opts, s.handleSandboxScan))
	s.handle("POST /sandbox/pairCode", s.authed(opts, s.handleSandboxPairCode))
	s.handle("POST /sandbox/users", s.authed(opts, s.handleSandboxUser))
	s.handle("POST /sandbox/groups", s.authed(opts, s.handleSandboxGroupCreate))
	s.handle("GET /sandbox/groups/{jid}", s.authed(opts, s.handleSandboxGroupGet))
	s.handle("POST /sandbox/faults", s.authed(opts, s.handleSandboxFault))
	s.handle("POST /sandbox/messages", s.authed(opts, s.handleSandboxMessage))
	s.handle("GET /sandbox/inbox/{phone}", s.authed(opts, s.handleSandboxInbox))
	s.handle("POST /sandbox/receipts", s.authed(opts, s.handleSandboxReceipts))
	s.handle("POST /sandbox/presence", s.authed(opts, s.handleSandboxPresence))
	s.handle("POST /sandbox/calls", s.authed(opts, s.handleSandboxCall))
}
