package httpapi

import (
	"context"
	"net/http"

	"github.com/switchboard/switchboard"
)

// EventOutbox is the gateway's event outbox as the API needs it: storing events (the test ping)
// and telling the dispatchers that webhooks or queued deliveries changed.
type EventOutbox interface {
	switchboard.EventSink
	WebhooksChanged(ctx context.Context) error
	Wake(instanceID int64)
}

var errEventsOff = &switchboard.Error{Code: switchboard.CodeNotImplemented, Message: "Events are not enabled on this server"}

// eventRoutes registers RyzeAPI's webhook routes (section 2.5) and Switchboard's additive
// delivery routes.
func (s *Server) eventRoutes(opts routeOptions) {
	s.handle("POST /api/events/webhook/{instance}", s.authedInstance(opts, s.eventsOn(s.handleWebhookSet)))
	s.handle("GET /api/events/getWebhook/{instance}", s.authedInstance(opts, s.eventsOn(s.handleWebhookGet)))
	s.handle("GET /api/events/deliveries/{instance}", s.authedInstance(opts, s.eventsOn(s.handleDeliveries)))
	s.handle("POST /api/events/redeliver/{instance}", s.authedInstance(opts, s.eventsOn(s.handleRedeliver)))
	s.handle("POST /api/events/test/{instance}", s.authedInstance(opts, s.eventsOn(s.handleWebhookTest)))
	s.handle("POST /api/events/websocket/{instance}", s.authedInstance(opts, s.eventsOn(s.handleWebsocketSet)))
	s.handle("GET /api/events/getWebsocket/{instance}", s.authedInstance(opts, s.eventsOn(s.handleWebsocketGet)))
	s.handle("GET /ws/{instance}", tokenFromQuery(s.authedInstance(opts, s.eventsOn(s.handleWebSocket))))
}

// eventsOn answers 501 when the server runs without an outbox (a wiring choice of embedders;
// `switchboard serve` always has one).
func (s *Server) eventsOn(h instanceHandlerFunc) instanceHandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
		if s.cfg.Webhooks == nil || s.cfg.Events == nil || s.cfg.Websockets == nil || s.cfg.Stream == nil {
			return errEventsOff
		}
		return h(w, r, inst)
	}
}

// webhooksChanged restarts the dispatchers after a configuration change. The change is already
// committed, so a failure here is logged, not reported: the periodic poll picks it up later.
func (s *Server) webhooksChanged(r *http.Request) {
	if err := s.cfg.Events.WebhooksChanged(r.Context()); err != nil {
		s.requestLogger(r).Warn("restarting webhook dispatchers", "err", err)
	}
}
