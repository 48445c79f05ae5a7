package httpapi

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/egress"
)

// Limits of a webhook configuration.
const (
	maxWebhookLabel = 64
	maxWebhookURL   = 2048
	maxWebhookAuth  = 4096
)

// authorizationMask is what the API shows for a stored Authorization value, which it never
// returns. Sending the mask back keeps the stored value, so a client may write back what it read.
const authorizationMask = "********"

// webhookInput is a webhook configuration as a request gives it (the set route, or the inline
// block of instance creation).
type webhookInput struct {
	Label         *string
	Enabled       *bool
	URL           string
	Authorization *string
	ByEvents      bool
	Events        []string
	MediaBase64   bool
	RotateSecret  bool
}

// webhookLabel is the label a request names: absent or "" means default.
func webhookLabel(label *string) (string, error) {
	if label == nil || *label == "" {
		return switchboard.DefaultWebhookLabel, nil
	}
	l := *label
	if len(l) > maxWebhookLabel {
		return "", invalid(fmt.Sprintf("label must be at most %d characters", maxWebhookLabel))
	}
	for _, r := range l {
		if r < 0x20 || r == 0x7f {
			return "", invalid("label must not contain control characters")
		}
	}
	return l, nil
}

// toWebhook validates in and builds the row to store over existing (nil for a new label). It
// returns the new signing secret in clear when one was generated, to be shown once.
func (s *Server) toWebhook(inst *switchboard.Instance, in webhookInput, existing *switchboard.Webhook) (*switchboard.Webhook, string, error) {
	label, err := webhookLabel(in.Label)
	if err != nil {
		return nil, "", err
	}
	enabled := in.Enabled == nil || *in.Enabled
	w := &switchboard.Webhook{InstanceID: inst.ID, Label: label, Enabled: enabled, ByEvents: in.ByEvents}
	if existing != nil {
		w.SecretSealed = existing.SecretSealed
	}
	if enabled {
		if w.URL, err = s.webhookURL(in.URL); err != nil {
			return nil, "", err
		}
		if w.Events, err = webhookEvents(in.Events); err != nil {
			return nil, "", err
		}
		w.MediaBase64 = in.MediaBase64
		if w.AuthorizationSealed, err = s.webhookAuthorization(inst.ID, in, existing, w.URL); err != nil {
			return nil, "", err
		}
	}
	// RyzeAPI's soft-disable clears url, authorization, events and mediaBase64 and keeps the row;
	// the signing secret is kept, so re-enabling does not force receivers to change it.
	var secret string
	if in.RotateSecret || (enabled && w.SecretSealed == nil) {
		secret = switchboard.NewWebhookSecret()
		if w.SecretSealed, err = s.sealWebhookValue(inst.ID, secret); err != nil {
			return nil, "", err
		}
	}
	return w, secret, nil
}

// webhookURL checks a delivery URL. A literal private or loopback address is refused here for a
// clear answer; names are checked where it matters, when the dispatcher dials the address they
// resolve to.
func (s *Server) webhookURL(raw string) (string, error) {
	if raw == "" {
		return "", invalid("url is required to enable a webhook")
	}
	if len(raw) > maxWebhookURL {
		return "", invalid(fmt.Sprintf("url must be at most %d characters", maxWebhookURL))
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return "", invalid("url must be an absolute http or https URL")
	}
	if u.User != nil {
		return "", invalid("url must not carry credentials; use authorization")
	}
	if !s.cfg.AllowPrivateWebhookURLs {
		host := u.Hostname()
		if addr, err := netip.ParseAddr(host); (err == nil && !egress.PublicAddress(addr)) || strings.EqualFold(host, "localhost") {
			return "", invalid("url must not point to a private or loopback address")
		}
	}
	return raw, nil
}

// webhookEvents checks the filter: names from the catalogue, each at most once.
func webhookEvents(events []string) ([]string, error) {
	if len(events) > len(switchboard.EventTypes) {
		return nil, invalid(fmt.Sprintf("events lists at most %d event types", len(switchboard.EventTypes)))
	}
	out := []string{}
	for _, e := range events {
		if !switchboard.IsEventType(e) {
			return nil, invalid("unknown event type in events; expected some of " + strings.Join(switchboard.EventTypes, ", "))
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

// webhookAuthorization seals the Authorization value. Omitted keeps the stored one when the URL
// is unchanged (the API never returns it, so a client cannot send it back), as does the mask;
// "" removes it.
func (s *Server) webhookAuthorization(instanceID int64, in webhookInput, existing *switchboard.Webhook, url string) ([]byte, error) {
	switch {
	case in.Authorization == nil:
		if existing != nil && existing.URL == url {
			return existing.AuthorizationSealed, nil
		}
		return nil, nil
	case *in.Authorization == authorizationMask && existing != nil:
		return existing.AuthorizationSealed, nil
	case *in.Authorization == "":
		return nil, nil
	}
	auth := *in.Authorization
	if len(auth) > maxWebhookAuth {
		return nil, invalid(fmt.Sprintf("authorization must be at most %d characters", maxWebhookAuth))
	}
	if strings.ContainsAny(auth, "\r\n\x00") {
		return nil, invalid("authorization must not contain line breaks")
	}
	return s.sealWebhookValue(instanceID, auth)
}

// sealWebhookValue seals a signing secret or an Authorization value, bound to its instance. Without
// a key the request is refused: every enabled webhook has a signing secret, which is never stored
// in clear.
func (s *Server) sealWebhookValue(instanceID int64, plain string) ([]byte, error) {
	if s.cfg.Sealer == nil {
		return nil, invalid("Webhooks cannot be enabled: this server has no encryption key configured (SWITCHBOARD_SECRET_KEY) to protect their secrets")
	}
	sealed, err := s.cfg.Sealer.Seal([]byte(plain), instanceID)
	if err != nil {
		return nil, switchboard.Wrap(switchboard.CodeInternal, "Failed to encrypt the webhook secret", err)
	}
	return sealed, nil
}
