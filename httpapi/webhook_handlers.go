package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/switchboard/switchboard"
)

var errWebhookNotFound = &switchboard.Error{Code: switchboard.CodeNotFound, Message: "Webhook not found"}

type webhookRequest struct {
	Label         *string  `json:"label"`
	Enabled       *bool    `json:"enabled"`
	URL           string   `json:"url"`
	Authorization *string  `json:"authorization"`
	ByEvents      bool     `json:"byEvents"`
	Events        []string `json:"events"`
	MediaBase64   bool     `json:"mediaBase64"`
	RotateSecret  bool     `json:"rotateSecret"`
}

// handleWebhookSet creates, replaces or soft-disables the webhook of a label (RyzeAPI 2.5.1).
func (s *Server) handleWebhookSet(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req webhookRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	hook, secret, err := s.saveWebhook(r, inst, webhookInput(req))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, webhookResponse{envelope: ok("Webhook configured successfully"), Webhook: newWebhookJSON(hook, secret)})
	return nil
}

// saveWebhook validates and stores a webhook configuration and restarts its dispatcher.
func (s *Server) saveWebhook(r *http.Request, inst *switchboard.Instance, in webhookInput) (*switchboard.Webhook, string, error) {
	label, err := webhookLabel(in.Label)
	if err != nil {
		return nil, "", err
	}
	existing, err := s.cfg.Webhooks.WebhookByLabel(r.Context(), inst.ID, label)
	switch {
	case errors.Is(err, switchboard.ErrNotFound):
		existing = nil
	case err != nil:
		return nil, "", failed("Failed to configure webhook", err)
	}
	hook, secret, err := s.toWebhook(inst, in, existing)
	if err != nil {
		return nil, "", err
	}
	if err := s.cfg.Webhooks.UpsertWebhook(r.Context(), hook); err != nil {
		return nil, "", failed("Failed to configure webhook", err)
	}
	s.requestLogger(r).Info("webhook configured", "label", hook.Label, "enabled", hook.Enabled, "secret_rotated", secret != "")
	s.webhooksChanged(r)
	return hook, secret, nil
}

// handleWebhookGet lists the instance's webhooks sorted by label, or with ?label= returns one
// (an empty label means default) (RyzeAPI 2.5.2).
func (s *Server) handleWebhookGet(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	q := r.URL.Query()
	if q.Has("label") {
		label := q.Get("label")
		name, err := webhookLabel(&label)
		if err != nil {
			return err
		}
		hook, err := s.cfg.Webhooks.WebhookByLabel(r.Context(), inst.ID, name)
		if errors.Is(err, switchboard.ErrNotFound) {
			return errWebhookNotFound
		} else if err != nil {
			return failed("Failed to get webhooks", err)
		}
		writeJSON(w, http.StatusOK, webhookResponse{envelope: ok("Webhook retrieved"), Webhook: newWebhookJSON(hook, "")})
		return nil
	}
	hooks, err := s.cfg.Webhooks.ListWebhooks(r.Context(), inst.ID)
	if err != nil {
		return failed("Failed to get webhooks", err)
	}
	views := make([]webhookJSON, 0, len(hooks))
	for _, h := range hooks {
		views = append(views, newWebhookJSON(h, ""))
	}
	writeJSON(w, http.StatusOK, webhookListResponse{envelope: ok("Webhooks retrieved"), Webhooks: views})
	return nil
}

// Limits of the deliveries routes.
const (
	defaultDeliveriesLimit = 100
	maxDeliveriesLimit     = 500
	maxRedeliverIDs        = 100
)

// handleDeliveries lists deliveries, newest event first: each event's progress towards each
// webhook, with its last attempt.
func (s *Server) handleDeliveries(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	q := r.URL.Query()
	f := switchboard.DeliveryFilter{InstanceID: inst.ID, Label: q.Get("label"), Status: q.Get("status"), Limit: defaultDeliveriesLimit}
	switch f.Status {
	case "", "failed", "dead", "delivered", "pending":
	default:
		return invalid("status must be failed, dead, delivered or pending")
	}
	if raw := q.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxDeliveriesLimit {
			return invalid(fmt.Sprintf("limit must be between 1 and %d", maxDeliveriesLimit))
		}
		f.Limit = n
	}
	list, err := s.cfg.Webhooks.ListDeliveries(r.Context(), f)
	if err != nil {
		return failed("Failed to get deliveries", err)
	}
	views := make([]deliveryJSON, 0, len(list))
	for _, d := range list {
		views = append(views, newDeliveryJSON(d))
	}
	writeJSON(w, http.StatusOK, deliveriesResponse{envelope: ok("Deliveries retrieved"), Deliveries: views})
	return nil
}

type redeliverRequest struct {
	IDs    []string `json:"ids"`
	Label  string   `json:"label"`
	Status string   `json:"status"`
}

type redeliverResponse struct {
	envelope
	Queued int `json:"queued"`
}

// handleRedeliver queues deliveries again: the events named, or every dead (or delivered) one of
// a webhook.
func (s *Server) handleRedeliver(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req redeliverRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if len(req.IDs) == 0 && req.Label == "" {
		return invalid("ids or label is required")
	}
	if len(req.IDs) > maxRedeliverIDs {
		return invalid(fmt.Sprintf("ids lists at most %d events", maxRedeliverIDs))
	}
	status := switchboard.DeliveryStatus(req.Status)
	switch {
	case len(req.IDs) > 0 && req.Status != "":
		return invalid("give ids or label and status, not both")
	case len(req.IDs) == 0 && status == "":
		status = switchboard.DeliveryDead
	case len(req.IDs) == 0 && status != switchboard.DeliveryDead && status != switchboard.DeliveryDelivered:
		return invalid("status must be dead or delivered")
	}
	if req.Label != "" {
		if _, err := s.cfg.Webhooks.WebhookByLabel(r.Context(), inst.ID, req.Label); errors.Is(err, switchboard.ErrNotFound) {
			return errWebhookNotFound
		} else if err != nil {
			return failed("Failed to redeliver", err)
		}
	}
	n, err := s.cfg.Webhooks.Redeliver(r.Context(), inst.ID, req.IDs, req.Label, status)
	if err != nil {
		return failed("Failed to redeliver", err)
	}
	s.cfg.Events.Wake(inst.ID)
	writeJSON(w, http.StatusOK, redeliverResponse{envelope: ok(fmt.Sprintf("Queued %d deliveries", n)), Queued: n})
	return nil
}

type webhookTestRequest struct {
	Label *string `json:"label"`
}

type webhookTestResponse struct {
	envelope
	EventID string `json:"eventId"`
}

// handleWebhookTest queues a signed webhook.test event for one enabled webhook, so an integrator
// can check the receiver and its signature verification end to end.
func (s *Server) handleWebhookTest(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req webhookTestRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	label, err := webhookLabel(req.Label)
	if err != nil {
		return err
	}
	hook, err := s.cfg.Webhooks.WebhookByLabel(r.Context(), inst.ID, label)
	if errors.Is(err, switchboard.ErrNotFound) {
		return errWebhookNotFound
	} else if err != nil {
		return failed("Failed to send test event", err)
	}
	if !hook.Enabled {
		return &switchboard.Error{Code: switchboard.CodeConflict, Message: "Webhook is disabled"}
	}
	data, _ := json.Marshal(map[string]string{"label": label, "message": "Test event from Switchboard"})
	e, err := s.cfg.Events.Emit(r.Context(), switchboard.Event{
		InstanceID: inst.ID, Type: switchboard.EventWebhookTest, OccurredAt: time.Now(), Data: data, OnlyWebhook: hook.ID,
	})
	if err != nil {
		return failed("Failed to send test event", err)
	}
	writeJSON(w, http.StatusAccepted, webhookTestResponse{envelope: ok("Test event queued"), EventID: e.ID})
	return nil
}
