package httpapi

// messageRoutes registers the send routes of RyzeAPI section 2.6. Every send honours
// Idempotency-Key (a repeat replays the first answer and never sends again) and ?async=true
// (202 and a job; the job's result is the send's answer).
func (s *Server) messageRoutes(opts routeOptions) {
	send := opts
	send.idempotent, send.async = true, true
	s.handle("POST /api/message/text/{instance}", s.authedInstance(send, s.handleSendText))
	s.handle("POST /api/message/media/{instance}", s.authedInstance(send, s.handleSendMedia))
	s.handle("POST /api/message/sticker/{instance}", s.authedInstance(send, s.handleSendSticker))
	s.handle("POST /api/message/location/{instance}", s.authedInstance(send, s.handleSendLocation))
	s.handle("POST /api/message/contact/{instance}", s.authedInstance(send, s.handleSendContact))
	s.handle("POST /api/message/reaction/{instance}", s.authedInstance(send, s.handleSendReaction))
	s.handle("POST /api/message/poll/{instance}", s.authedInstance(send, s.handleSendPoll))
	s.handle("POST /api/message/button/{instance}", s.authedInstance(send, s.handleSendButtons))
	s.handle("POST /api/message/list/{instance}", s.authedInstance(send, s.handleSendList))
	s.handle("POST /api/message/carousel/{instance}", s.authedInstance(send, s.handleSendCarousel))
	s.handle("POST /api/message/form/{instance}", s.authedInstance(send, s.handleSendForm))
	s.handle("POST /api/message/pix/{instance}", s.authedInstance(send, s.handleSendPix))
	s.handle("POST /api/message/status/{instance}", s.authedInstance(send, s.handleSendStatus))
}
