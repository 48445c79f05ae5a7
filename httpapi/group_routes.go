package httpapi

// groupRoutes registers the group routes of RyzeAPI section 2.3. The POSTs the reference marks
// not idempotent (create, participants, resetLink) honour Idempotency-Key, so a retried request
// cannot create a second group, re-add removed members or revoke a fresh link. Join is
// "partial" in the reference (a re-join answers the same), update and leave are idempotent.
func (s *Server) groupRoutes(opts routeOptions) {
	once := opts
	once.idempotent = true

	s.handle("POST /api/group/create/{instance}", s.authedInstance(once, s.handleGroupCreate))
	s.handle("GET /api/group/list/{instance}", s.authedInstance(opts, s.handleGroupList))
	s.handle("GET /api/group/info/{instance}", s.authedInstance(opts, s.handleGroupInfo))
	s.handle("PUT /api/group/update/{instance}", s.authedInstance(opts, s.handleGroupUpdate))
	s.handle("POST /api/group/participants/{instance}", s.authedInstance(once, s.handleGroupParticipants))
	s.handle("POST /api/group/join/{instance}", s.authedInstance(opts, s.handleGroupJoin))
	s.handle("POST /api/group/resetLink/{instance}", s.authedInstance(once, s.handleGroupResetLink))
	s.handle("GET /api/group/requests/{instance}", s.authedInstance(opts, s.handleGroupRequests))
	s.handle("DELETE /api/group/leave/{instance}", s.authedInstance(opts, s.handleGroupLeave))
}
