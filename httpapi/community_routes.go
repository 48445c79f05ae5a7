package httpapi

// communityRoutes registers the community routes of RyzeAPI section 2.2 and Switchboard's
// additive ones.
func (s *Server) communityRoutes(opts routeOptions) {
}
