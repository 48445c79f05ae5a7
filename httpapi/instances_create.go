package httpapi

import (
	"errors"
	"net/http"

	"github.com/switchboard/switchboard"
)

// createInstanceRequest is the body of POST /api/instance/new. The webhook block configures the
// `default` webhook, the websocket block the WebSocket and the s3 block the S3 bucket; the
// chatwoot block is read only to report that it is not supported yet, its other fields ignored
// like any unknown field.
type createInstanceRequest struct {
	Name  string `json:"name"`
	Token string `json:"token"`

	settingsPatch

	ProxyEnabled  *bool     `json:"proxyEnabled"`
	ProxyHost     string    `json:"proxyHost"`
	ProxyPort     portValue `json:"proxyPort"`
	ProxyProtocol string    `json:"proxyProtocol"`
	ProxyUsername string    `json:"proxyUsername"`
	ProxyPassword *string   `json:"proxyPassword"`

	WebhookEnabled       bool     `json:"webhookEnabled"`
	WebhookURL           string   `json:"webhookURL"`
	WebhookAuthorization *string  `json:"webhookAuthorization"`
	WebhookByEvents      bool     `json:"webhookByEvents"`
	WebhookEvents        []string `json:"webhookEvents"`
	WebhookMediaBase64   bool     `json:"webhookMediaBase64"`

	WebsocketEnabled     bool     `json:"websocketEnabled"`
	WebsocketEvents      []string `json:"websocketEvents"`
	WebsocketMediaBase64 bool     `json:"websocketMediaBase64"`

	ChatwootEnabled bool `json:"chatwootEnabled"`

	S3Enabled    bool    `json:"s3Enabled"`
	S3Region     string  `json:"s3Region"`
	S3Bucket     string  `json:"s3Bucket"`
	S3AccessKey  string  `json:"s3AccessKey"`
	S3SecretKey  *string `json:"s3SecretKey"`
	S3Endpoint   string  `json:"s3Endpoint"`
	S3PathPrefix string  `json:"s3PathPrefix"`
}

// createInstanceResponse carries the new token twice: the create page documents it at
// instance.token and the authentication guide at data.token, so both are filled.
type createInstanceResponse struct {
	envelope
	Instance createdInstanceJSON `json:"instance"`
	Data     createdInstanceData `json:"data"`
}

type createdInstanceJSON struct {
	instanceJSON
	Token string `json:"token"`
	// Webhook shadows instanceJSON's: it reports the inline webhook block, with its signing
	// secret, shown this once.
	Webhook createdWebhookJSON `json:"webhook"`
}

type createdWebhookJSON struct {
	integrationJSON
	Label  string `json:"label,omitempty"`
	Secret string `json:"secret,omitempty"`
}

type createdInstanceData struct {
	Name  string `json:"name"`
	Token string `json:"token"`
}

const notSupportedYet = "Not supported yet by Switchboard; the instance was created without it"

// handleInstanceCreate creates an instance of the caller's account. It answers 201, RyzeAPI's
// status for creations. Integration blocks Switchboard does not run yet follow RyzeAPI's
// log-and-continue rule: the instance is created and the block comes back disabled.
func (s *Server) handleInstanceCreate(w http.ResponseWriter, r *http.Request) error {
	var req createInstanceRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Name == "" {
		return invalid("Instance name is required")
	}
	if !validInstanceName(req.Name) {
		return invalid(instanceNameRule)
	}
	if req.Token != "" && !switchboard.ValidCustomToken(req.Token) {
		return errInvalidCustomToken
	}
	if err := req.settingsPatch.validate(); err != nil {
		return err
	}
	proxy, password, err := s.createProxy(req)
	if err != nil {
		return err
	}

	token := req.Token
	if token == "" {
		token = switchboard.NewToken(switchboard.InstanceTokenPrefix)
	}
	hash := switchboard.HashToken(token)
	if req.Token != "" {
		if err := s.refuseAccountToken(r, hash); err != nil {
			return err
		}
	}

	caller := principalFrom(r.Context())
	inst := &switchboard.Instance{
		AccountID: caller.accountID,
		Name:      req.Name,
		Settings:  req.settingsPatch.apply(switchboard.DefaultSettings()),
		Proxy:     proxy,
	}
	if err := s.cfg.Instances.CreateInstance(r.Context(), inst, hash, caller.account.MaxInstances); err != nil {
		if errors.Is(err, switchboard.ErrDuplicateTok) {
			return s.customTokenTaken(r)
		}
		return failed("Failed to create instance", err)
	}
	if err := s.storeCreatedProxyPassword(r, inst, password); err != nil {
		return err
	}
	if st := stateFrom(r.Context()); st != nil {
		st.instance = inst.Name
	}
	s.requestLogger(r).Info("instance created", "instance_id", inst.ID)

	view := createdInstanceJSON{instanceJSON: newInstanceJSON(inst, s.cfg.Sessions.Status(inst)), Token: token}
	view.Webhook = s.createWebhook(r, inst, req)
	view.Websocket = s.createWebsocket(r, inst, req)
	view.S3 = s.createS3(r, inst, req)
	s.reportUnsupported(r, req, &view.instanceJSON)
	writeJSON(w, http.StatusCreated, createInstanceResponse{
		envelope: ok("Instance created successfully"),
		Instance: view,
		Data:     createdInstanceData{Name: inst.Name, Token: token},
	})
	return nil
}

// createProxy validates the inline proxy block. It returns the password to seal once the
// instance has an id, after checking that it can be sealed at all, so that a request whose
// password cannot be stored fails before anything is created.
func (s *Server) createProxy(req createInstanceRequest) (switchboard.Proxy, string, error) {
	in := proxyInput{
		Enabled:  req.ProxyEnabled,
		Host:     req.ProxyHost,
		Port:     req.ProxyPort,
		Protocol: req.ProxyProtocol,
		Username: req.ProxyUsername,
		Password: req.ProxyPassword,
	}
	if !in.given() {
		return switchboard.Proxy{}, "", nil
	}
	proxy, err := in.toProxy(proxyCreateFields)
	if err != nil || !proxy.Enabled || in.Password == nil || *in.Password == "" {
		return proxy, "", err
	}
	if err := s.canSealPasswords(proxyCreateFields.password); err != nil {
		return proxy, "", err
	}
	return proxy, *in.Password, nil
}

// storeCreatedProxyPassword seals the new instance's proxy password for its id (the sealed
// value is bound to the row, see store.Sealer) and stores it. If that fails the instance is
// deleted again: its token was never shown, so nobody could use it, and a retry must find the
// name free.
func (s *Server) storeCreatedProxyPassword(r *http.Request, inst *switchboard.Instance, password string) error {
	if password == "" {
		return nil
	}
	proxy := inst.Proxy
	sealed, err := s.sealPassword(password, proxyCreateFields.password, inst.ID)
	if err == nil {
		proxy.PasswordSealed = sealed
		err = s.cfg.Instances.SetProxy(r.Context(), inst.ID, proxy)
	}
	if err == nil {
		inst.Proxy = proxy
		return nil
	}
	ctx, cancel := detached(r.Context())
	defer cancel()
	if delErr := s.cfg.Instances.DeleteInstance(ctx, inst.ID); delErr != nil {
		s.requestLogger(r).Error("removing an instance whose proxy password could not be stored", "instance_id", inst.ID, "err", delErr)
	}
	return failed("Failed to create instance", err)
}

// errInvalidCustomToken answers every refused custom token alike, too weak or already taken by
// any account or instance: a distinct answer for "taken" would confirm to the caller that
// somebody uses that token (an existence oracle).
var errInvalidCustomToken = invalid("Invalid token: " + switchboard.CustomTokenRule)

// customTokenTaken answers a custom token that equals an existing one. A caller who knows a
// working token has no reason to offer it as a new one, so the attempt counts as a failed login
// against the client address's failure budget, like presenting a wrong token would.
func (s *Server) customTokenTaken(r *http.Request) error {
	s.limits.Take(r.Context(), switchboard.BucketAuthFailures, s.clientIP(r), s.cfg.AuthFailureLimit)
	return errInvalidCustomToken
}

// refuseAccountToken keeps a custom instance token from equalling an account token: lookups try
// accounts first, so such an instance token would silently act as the account.
func (s *Server) refuseAccountToken(r *http.Request, hash string) error {
	_, err := s.cfg.Accounts.AccountByTokenHash(r.Context(), hash)
	switch {
	case err == nil:
		return s.customTokenTaken(r)
	case switchboard.IsCode(err, switchboard.CodeNotFound):
		return nil
	default:
		return failed("Failed to create instance", err)
	}
}

// reportUnsupported marks the integration blocks the client asked for but Switchboard does not
// run yet, and logs them, so the client sees why they are off instead of guessing.
func (s *Server) reportUnsupported(r *http.Request, req createInstanceRequest, view *instanceJSON) {
	var skipped []string
	if req.ChatwootEnabled {
		view.Chatwoot.Status, view.Chatwoot.Error = "error", notSupportedYet
		skipped = append(skipped, "chatwoot")
	}
	if len(skipped) > 0 {
		s.requestLogger(r).Info("instance created without unsupported integrations", "skipped", skipped)
	}
}

// createWebhook configures the inline webhook block as the `default` webhook. Following RyzeAPI's
// log-and-continue rule, a failure does not undo the instance: the block comes back disabled with
// the reason.
func (s *Server) createWebhook(r *http.Request, inst *switchboard.Instance, req createInstanceRequest) createdWebhookJSON {
	if !req.WebhookEnabled {
		return createdWebhookJSON{}
	}
	if s.cfg.Webhooks == nil || s.cfg.Events == nil {
		return createdWebhookJSON{integrationJSON: integrationJSON{Error: errEventsOff.Message}}
	}
	enabled := true
	hook, secret, err := s.saveWebhook(r, inst, webhookInput{
		Enabled: &enabled, URL: req.WebhookURL, Authorization: req.WebhookAuthorization, ByEvents: req.WebhookByEvents,
		Events: req.WebhookEvents, MediaBase64: req.WebhookMediaBase64,
	})
	if err != nil {
		s.requestLogger(r).Info("instance created without its webhook", "err", err)
		return createdWebhookJSON{integrationJSON: integrationJSON{Error: switchboard.ErrorMessageOf(err)}}
	}
	return createdWebhookJSON{integrationJSON: integrationJSON{Enabled: true}, Label: hook.Label, Secret: secret}
}

// createWebsocket configures the inline WebSocket block, log-and-continue like the webhook.
func (s *Server) createWebsocket(r *http.Request, inst *switchboard.Instance, req createInstanceRequest) websocketJSON {
	if !req.WebsocketEnabled {
		return websocketJSON{Events: []string{}}
	}
	if s.cfg.Websockets == nil {
		return websocketJSON{Events: []string{}, Error: errEventsOff.Message}
	}
	enabled := true
	c, err := toWebsocketConfig(inst, websocketRequest{Enabled: &enabled, Events: req.WebsocketEvents, MediaBase64: req.WebsocketMediaBase64})
	if err == nil {
		err = s.cfg.Websockets.SetWebsocketConfig(r.Context(), c)
	}
	if err != nil {
		s.requestLogger(r).Info("instance created without its websocket", "err", err)
		return websocketJSON{Events: []string{}, Error: switchboard.ErrorMessageOf(err)}
	}
	v := newWebsocketConfigJSON(c)
	return websocketJSON{Enabled: v.Enabled, Events: v.Events, MediaBase64: v.MediaBase64}
}
