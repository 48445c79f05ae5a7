package httpapi

import "github.com/switchboard/switchboard"

// profileRoutes registers the profile routes of RyzeAPI section 2.9. All are idempotent in the
// reference (setting the same value again changes nothing), so none takes Idempotency-Key.
func (s *Server) profileRoutes(opts routeOptions) {
	s.handle("POST /api/profile/account/{instance}", s.authedInstance(opts, s.handleProfileUpdate))
	s.handle("GET /api/profile/getAccount/{instance}", s.authedInstance(opts, s.handleProfileRead))
	s.handle("GET /api/profile/getPrivacy/{instance}", s.authedInstance(opts, s.handlePrivacyRead))
	s.handle("GET /api/profile/privacy/{instance}", s.authedInstance(opts, s.handlePrivacyRead))
	s.handle("POST /api/profile/privacy/{instance}", s.authedInstance(opts, s.handlePrivacyUpdate))
}

// profileClient is the instance's profile client; like the group module, an instance without a
// live session is 400 "Instance is not connected to WhatsApp".
func (s *Server) profileClient(inst *switchboard.Instance) (switchboard.ProfileClient, error) {
	pc, err := s.cfg.Sessions.Profile(inst)
	if err != nil {
		return nil, sessionFailed("Instance is not connected to WhatsApp", err)
	}
	return pc, nil
}
