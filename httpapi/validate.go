package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/switchboard/switchboard"
)

// Instance names appear in URL paths, so they are kept to characters that need no escaping:
// 1 to 64 of letters, digits, '_', '.' and '-', starting with a letter or a digit (so that "."
// and ".." can never be a name, which the router would clean out of a path).
const maxInstanceNameLength = 64

var instanceNameRule = fmt.Sprintf("Instance name must be 1 to %d characters of letters, digits, '_', '.' or '-', starting with a letter or digit", maxInstanceNameLength)

func validInstanceName(name string) bool {
	if name == "" || len(name) > maxInstanceNameLength {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case (c == '_' || c == '.' || c == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}

// maxCallRejectMessage bounds the text sent to a rejected caller; WhatsApp messages can be far
// longer, but a call-rejection note has no reason to be.
const maxCallRejectMessage = 1024

// settingsPatch is a partial settings update: a nil field keeps its current value.
type settingsPatch struct {
	AutoRejectCalls     *bool   `json:"autoRejectCalls"`
	CallRejectMessage   *string `json:"callRejectMessage"`
	IgnoreGroupMessages *bool   `json:"ignoreGroupMessages"`
	KeepOnlineStatus    *bool   `json:"keepOnlineStatus"`
	AutoReadMessages    *bool   `json:"autoReadMessages"`
	DisableHistorySync  *bool   `json:"disableHistorySync"`
	IgnoreStatus        *bool   `json:"ignoreStatus"`
}

func (p settingsPatch) empty() bool {
	return p == settingsPatch{}
}

func (p settingsPatch) validate() error {
	if p.CallRejectMessage != nil {
		if !utf8.ValidString(*p.CallRejectMessage) || len(*p.CallRejectMessage) > maxCallRejectMessage {
			return invalid("callRejectMessage must be valid text of at most 1024 bytes")
		}
	}
	return nil
}

// apply returns s with the patch's fields set.
func (p settingsPatch) apply(s switchboard.Settings) switchboard.Settings {
	set := func(dst *bool, src *bool) {
		if src != nil {
			*dst = *src
		}
	}
	set(&s.AutoRejectCalls, p.AutoRejectCalls)
	set(&s.IgnoreGroupMessages, p.IgnoreGroupMessages)
	set(&s.KeepOnlineStatus, p.KeepOnlineStatus)
	set(&s.AutoReadMessages, p.AutoReadMessages)
	set(&s.DisableHistorySync, p.DisableHistorySync)
	set(&s.IgnoreStatus, p.IgnoreStatus)
	if p.CallRejectMessage != nil {
		s.CallRejectMessage = *p.CallRejectMessage
	}
	return s
}

// portValue is a proxy port. RyzeAPI documents it as a string ("1080"); clients also send a
// number, and both mean the same thing, so both are accepted.
type portValue string

func (p *portValue) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*p = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return &bodyError{detail: "the proxy port must be a string or a number"}
		}
		*p = portValue(strings.TrimSpace(s))
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return &bodyError{detail: "the proxy port must be a string or a number"}
	}
	*p = portValue(n.String())
	return nil
}

// proxyInput is a proxy configuration as a client sends it, on /proxy or inline at creation.
type proxyInput struct {
	Enabled  *bool
	Host     string
	Port     portValue
	Protocol string
	Username string
	Password *string // nil: not sent; "": no password
}

// given reports whether the client sent any proxy field at all.
func (in proxyInput) given() bool {
	return in.Enabled != nil || in.Host != "" || in.Port != "" || in.Protocol != "" || in.Username != "" || in.Password != nil
}

const maxProxyCredential = 255

// proxyFields names the body fields in messages, which differ between /proxy and inline create.
type proxyFields struct{ enabled, host, port, protocol, username, password string }

var (
	proxyRouteFields  = proxyFields{"enabled", "host", "port", "protocol", "username", "password"}
	proxyCreateFields = proxyFields{"proxyEnabled", "proxyHost", "proxyPort", "proxyProtocol", "proxyUsername", "proxyPassword"}
)

// toProxy validates the input and returns the proxy to store, without its password (the caller
// decides how to seal or keep it). `enabled` is required whenever a proxy field is sent, so a
// body that forgets it never silently turns the proxy off. Disabling clears the whole
// configuration, as RyzeAPI's S3 route does: re-enabling needs every field again.
func (in proxyInput) toProxy(names proxyFields) (switchboard.Proxy, error) {
	if in.Enabled == nil {
		return switchboard.Proxy{}, invalid(names.enabled + " is required")
	}
	if !*in.Enabled {
		return switchboard.Proxy{}, nil
	}
	host := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(in.Host), "["), "]")
	if host == "" {
		return switchboard.Proxy{}, invalid(names.host + " is required")
	}
	if !validProxyHost(host) {
		return switchboard.Proxy{}, invalid(names.host + " must be a hostname or an IP address")
	}
	port, err := strconv.Atoi(string(in.Port))
	if err != nil || port < 1 || port > 65535 {
		return switchboard.Proxy{}, invalid(names.port + " must be between 1 and 65535")
	}
	protocol := strings.ToLower(strings.TrimSpace(in.Protocol))
	switch protocol {
	case "http", "https", "socks5":
	default:
		return switchboard.Proxy{}, invalid(names.protocol + " must be http, https or socks5")
	}
	if len(in.Username) > maxProxyCredential || strings.ContainsAny(in.Username, "\r\n") {
		return switchboard.Proxy{}, invalid(names.username + " must be at most 255 characters on one line")
	}
	if in.Password != nil && len(*in.Password) > maxProxyCredential {
		return switchboard.Proxy{}, invalid(names.password + " must be at most 255 characters")
	}
	return switchboard.Proxy{
		Enabled:  true,
		Protocol: protocol,
		Host:     host,
		Port:     strconv.Itoa(port),
		Username: in.Username,
	}, nil
}

// validProxyHost accepts a DNS name or an IP literal, nothing that could smuggle a scheme, a
// path or credentials into the proxy URL the session manager builds.
func validProxyHost(host string) bool {
	if len(host) > 253 {
		return false
	}
	if strings.Contains(host, ":") {
		_, err := netip.ParseAddr(host)
		return err == nil
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

// canSealPasswords refuses a request carrying a proxy password when the server has no key.
// 400, not 500: the request can never succeed on this server as sent, and retrying will not
// help; the message names what the operator must configure.
func (s *Server) canSealPasswords(field string) error {
	if s.cfg.Sealer == nil {
		return invalid(field + " cannot be stored: this server has no encryption key (the operator must set SWITCHBOARD_SECRET_KEY)")
	}
	return nil
}

// sealPassword encrypts a proxy password for storage in instance instanceID's row.
func (s *Server) sealPassword(password string, field string, instanceID int64) ([]byte, error) {
	if err := s.canSealPasswords(field); err != nil {
		return nil, err
	}
	sealed, err := s.cfg.Sealer.Seal([]byte(password), instanceID)
	if err != nil {
		return nil, switchboard.Wrap(switchboard.CodeInternal, "Failed to encrypt the proxy password", err)
	}
	return sealed, nil
}
