package httpapi

import (
	"time"

	"github.com/switchboard/switchboard"
)

// The wire shapes of an instance. They are built from domain values here and nowhere else, so
// the JSON contract does not move when a domain struct grows.

// instanceJSON is one item of /api/instance/list, and the body of a created instance.
type instanceJSON struct {
	Name       string          `json:"name"`
	Status     string          `json:"status"` // the same as connection.state, for quick reads
	Connection connectionJSON  `json:"connection"`
	Profile    profileJSON     `json:"profile"`
	Settings   settingsJSON    `json:"settings"`
	Proxy      proxyJSON       `json:"proxy"`
	Webhook    integrationJSON `json:"webhook"`
	Websocket  websocketJSON   `json:"websocket"`
	Chatwoot   integrationJSON `json:"chatwoot"`
	S3         integrationJSON `json:"s3"`
	CreatedAt  time.Time       `json:"createdAt"`
}

type connectionJSON struct {
	State          string  `json:"state"`
	NumberJID      *string `json:"numberJid"` // null until the instance has been paired
	PresenceStatus string  `json:"presenceStatus"`
	DisplayStatus  string  `json:"displayStatus"`
	// Reason and Since are Switchboard additions: why the session is down, and since when the
	// state holds.
	Reason string     `json:"reason,omitempty"`
	Since  *time.Time `json:"since,omitempty"`
}

type profileJSON struct {
	Name         string  `json:"name"`
	PictureURL   *string `json:"pictureUrl"`
	IsBusiness   bool    `json:"isBusiness"`
	BusinessName string  `json:"businessName"`
}

// integrationJSON is the summary of an integration Switchboard does not run yet (chatwoot, s3;
// for webhooks the list shows no more, see GET /api/events/getWebhook): always disabled. Status and Error say why when the client asked for it.
type integrationJSON struct {
	Enabled bool   `json:"enabled"`
	Status  string `json:"status,omitempty"`
	Error   string `json:"error,omitempty"`
}

type websocketJSON struct {
	Enabled     bool     `json:"enabled"`
	Events      []string `json:"events"`
	MediaBase64 bool     `json:"mediaBase64"`
	Error       string   `json:"error,omitempty"`
}

// settingsJSON is the seven behaviour flags, all always present.
type settingsJSON struct {
	AutoRejectCalls     bool   `json:"autoRejectCalls"`
	CallRejectMessage   string `json:"callRejectMessage"`
	IgnoreGroupMessages bool   `json:"ignoreGroupMessages"`
	KeepOnlineStatus    bool   `json:"keepOnlineStatus"`
	AutoReadMessages    bool   `json:"autoReadMessages"`
	DisableHistorySync  bool   `json:"disableHistorySync"`
	IgnoreStatus        bool   `json:"ignoreStatus"`
}

func newSettingsJSON(s switchboard.Settings) settingsJSON {
	return settingsJSON{
		AutoRejectCalls:     s.AutoRejectCalls,
		CallRejectMessage:   s.CallRejectMessage,
		IgnoreGroupMessages: s.IgnoreGroupMessages,
		KeepOnlineStatus:    s.KeepOnlineStatus,
		AutoReadMessages:    s.AutoReadMessages,
		DisableHistorySync:  s.DisableHistorySync,
		IgnoreStatus:        s.IgnoreStatus,
	}
}

// proxyJSON is the instance's own proxy. The password never appears; HasPassword (an addition)
// tells a client whether one is stored, so it knows whether to send it again.
type proxyJSON struct {
	Enabled     bool   `json:"enabled"`
	Host        string `json:"host"`
	Port        string `json:"port"`
	Protocol    string `json:"protocol"`
	Username    string `json:"username"`
	HasPassword bool   `json:"hasPassword"`
}

func newProxyJSON(p switchboard.Proxy) proxyJSON {
	return proxyJSON{
		Enabled:     p.Enabled,
		Host:        p.Host,
		Port:        p.Port,
		Protocol:    p.Protocol,
		Username:    p.Username,
		HasPassword: len(p.PasswordSealed) > 0,
	}
}

// displayStatus is the human wording of each state.
var displayStatus = map[switchboard.InstanceState]string{
	switchboard.StateConnected:    "Connected",
	switchboard.StateConnecting:   "Connecting",
	switchboard.StateDisconnected: "Disconnected",
	switchboard.StateLoggedOut:    "Logged out",
}

// newInstanceJSON combines the stored instance with its live session status.
func newInstanceJSON(inst *switchboard.Instance, st switchboard.ConnectionStatus) instanceJSON {
	state := stateOf(inst, st)
	conn := connectionJSON{
		State:          string(state),
		PresenceStatus: "unavailable",
		DisplayStatus:  displayStatus[state],
		Reason:         st.Reason,
	}
	if state == switchboard.StateConnected && inst.Settings.KeepOnlineStatus {
		conn.PresenceStatus = "available"
	}
	if number := numberJID(inst, st); number != "" {
		conn.NumberJID = &number
	}
	if !st.Since.IsZero() {
		since := st.Since.UTC()
		conn.Since = &since
	}
	return instanceJSON{
		Name:       inst.Name,
		Status:     string(state),
		Connection: conn,
		Profile:    profileJSON{Name: st.PushName},
		Settings:   newSettingsJSON(inst.Settings),
		Proxy:      newProxyJSON(inst.Proxy),
		Webhook:    integrationJSON{},
		Websocket:  websocketJSON{Events: []string{}},
		Chatwoot:   integrationJSON{},
		S3:         integrationJSON{},
		CreatedAt:  inst.CreatedAt.UTC(),
	}
}

// stateOf trusts the live status and falls back to what the row says when the session manager
// does not know the instance (for example right after a restart).
func stateOf(inst *switchboard.Instance, st switchboard.ConnectionStatus) switchboard.InstanceState {
	if st.State != "" {
		return st.State
	}
	if inst.LoggedOut {
		return switchboard.StateLoggedOut
	}
	return switchboard.StateDisconnected
}

// numberJID is the paired phone's user JID, without the device part.
func numberJID(inst *switchboard.Instance, st switchboard.ConnectionStatus) string {
	if st.NumberJID != "" {
		return st.NumberJID
	}
	if inst.DeviceJID == "" {
		return ""
	}
	jid, err := switchboard.ParseJID(inst.DeviceJID)
	if err != nil {
		return ""
	}
	return jid.ToNonAD().String()
}
