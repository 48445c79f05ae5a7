package httpapi

import (
	"bytes"
	"io"
	"net/http"

	"github.com/switchboard/switchboard"
)

// communityRoutes registers the community routes of RyzeAPI section 2.2 and Switchboard's
// additive ones. Link, unlink and create write to WhatsApp in bulk: they honour Idempotency-Key
// and ?async=true.
func (s *Server) communityRoutes(opts routeOptions) {
	bulk := opts
	bulk.idempotent, bulk.async = true, true
	s.handle("POST /api/community/create/{instance}", bodyFirst(s, bulk, parseCommunityCreate, s.handleCommunityCreate))
	s.handle("POST /api/community/link/{instance}", bodyFirst(s, bulk, parseLinkRequest, s.handleCommunityLink))
	s.handle("POST /api/community/unlink/{instance}", bodyFirst(s, bulk, parseLinkRequest, s.handleCommunityUnlink))
	s.handle("GET /api/community/listSubGroups/{instance}", bodyFirst(s, opts, communityQuery, s.handleCommunitySubGroups))
	s.handle("GET /api/community/participants/{instance}", bodyFirst(s, opts, communityQuery, s.handleCommunityParticipants))
	s.handle("GET /api/community/list/{instance}", s.authedInstance(opts, s.handleCommunityList))
}

// bodyFirst is authedInstance for routes that validate their request before looking up the
// instance, RyzeAPI's order for the community routes: a malformed request is 400 even for an
// unknown instance. A request that fails validation neither consumes an Idempotency-Key nor
// starts a job. parse runs twice, on identical bytes: once to answer early, once to hand the
// handler its request.
func bodyFirst[T any](s *Server, opts routeOptions, parse func(*http.Request) (T, error),
	run func(http.ResponseWriter, *http.Request, *switchboard.Instance, T) error) http.Handler {
	precheck := func(r *http.Request) error {
		body, err := readBody(r)
		if err != nil {
			return err
		}
		peek := r.WithContext(r.Context())
		peek.Body = io.NopCloser(bytes.NewReader(body))
		_, err = parse(peek)
		return err
	}
	return s.instanceRoute(opts, precheck, func(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
		req, err := parse(r)
		if err != nil {
			return err
		}
		return run(w, r, inst, req)
	})
}
