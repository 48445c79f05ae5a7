package httpapi

// groupRoutes registers the group routes of RyzeAPI section 2.3.
func (s *Server) groupRoutes(opts routeOptions) {
}
