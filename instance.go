package switchboard

import (
	"context"
	"time"
)

// Instance is one WhatsApp companion device slot of an account, addressed by its name.
type Instance struct {
	ID        int64
	AccountID int64
	Name      string
	// DeviceJID is the paired device's address ("" until paired, cleared on logout). A non-empty
	// value means whatsmeow's store holds a session the gateway can reconnect without a QR.
	DeviceJID string
	// AutoConnect says the instance should be connected at boot: set when it connects, cleared
	// by logout. It is what makes "paired instances reconnect after a restart" durable.
	AutoConnect bool
	// LoggedOut records that WhatsApp logged the device out (from the phone or by ban), so the
	// state survives a restart until the instance is paired again.
	LoggedOut bool
	Settings  Settings
	Proxy     Proxy
	CreatedAt time.Time
}

// InstanceState is the connection state shown in `connection.state`.
type InstanceState string

const (
	StateConnected    InstanceState = "connected"
	StateConnecting   InstanceState = "connecting"
	StateDisconnected InstanceState = "disconnected"
	StateLoggedOut    InstanceState = "loggedout"
)

// ConnectionStatus is the live view of an instance's WhatsApp session.
type ConnectionStatus struct {
	State     InstanceState
	NumberJID string // "" when never paired
	PushName  string
	// Reason says why a session is down when WhatsApp told us (temporary_ban, client_outdated,
	// replaced, logged_out, connect_failure); empty otherwise.
	Reason string
	Since  time.Time
}

// Settings are the seven behaviour flags of RyzeAPI's settings routes.
type Settings struct {
	AutoRejectCalls     bool   `json:"autoRejectCalls"`
	CallRejectMessage   string `json:"callRejectMessage"`
	IgnoreGroupMessages bool   `json:"ignoreGroupMessages"`
	KeepOnlineStatus    bool   `json:"keepOnlineStatus"`
	AutoReadMessages    bool   `json:"autoReadMessages"`
	DisableHistorySync  bool   `json:"disableHistorySync"`
	IgnoreStatus        bool   `json:"ignoreStatus"`
}

// DefaultSettings are a new instance's settings: history sync is off by default, as documented.
func DefaultSettings() Settings { return Settings{DisableHistorySync: true} }

// Proxy is an instance's own proxy. PasswordSealed is the AES-256-GCM ciphertext of the password,
// bound to the instance's id (it opens for no other row); the plaintext never leaves the process
// that dials.
type Proxy struct {
	Enabled        bool
	Protocol       string // http, https or socks5
	Host           string
	Port           string
	Username       string
	PasswordSealed []byte
}

// InstanceStore persists instances. Every lookup that serves a request is scoped by account.
// Lookups of a missing instance, and writes to one, return ErrNotFound; besides the errors named
// below, any method may return a wrapped database error.
type InstanceStore interface {
	// CreateInstance inserts inst (filling ID and CreatedAt) in one transaction that enforces the
	// account's quota (ErrQuotaExceeded), the name's uniqueness in the account (ErrDuplicateName)
	// and the token hash's uniqueness (ErrDuplicateTok).
	CreateInstance(ctx context.Context, inst *Instance, tokenHash string, maxInstances int) error
	InstanceByTokenHash(ctx context.Context, tokenHash string) (*Instance, error)
	InstanceByName(ctx context.Context, accountID int64, name string) (*Instance, error)
	InstanceByID(ctx context.Context, id int64) (*Instance, error)
	ListInstances(ctx context.Context, accountID int64) ([]*Instance, error)
	// AutoConnectInstances lists every instance, of every account, to reconnect at boot.
	AutoConnectInstances(ctx context.Context) ([]*Instance, error)
	DeleteInstance(ctx context.Context, id int64) error
	// RotateInstanceToken replaces the instance's token hash; the old token stops working at once
	// (ErrDuplicateTok if the new hash names another account or instance).
	RotateInstanceToken(ctx context.Context, id int64, tokenHash string) error
	// SetSession records the paired device and whether the instance should reconnect at boot.
	SetSession(ctx context.Context, id int64, deviceJID string, autoConnect, loggedOut bool) error
	SetSettings(ctx context.Context, id int64, s Settings) error
	SetProxy(ctx context.Context, id int64, p Proxy) error
}
