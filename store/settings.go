package store

import (
	"encoding/json"
	"sync/atomic"

	"github.com/switchboard/switchboard"
)

// decodedSettings is one settings column text and what it decodes to.
type decodedSettings struct {
	text     string
	settings switchboard.Settings
}

// lastSettings remembers the last settings text decoded. Every authenticated request reads at
// least one instance row, nearly all rows hold one of a few texts (most of them the defaults),
// and decoding JSON cost more than reading the row's other columns. The result is a pure
// function of the text, so it can never be stale; one entry bounds the memory whatever the
// texts are, and Settings is a plain value, so callers get their own copy.
var lastSettings atomic.Pointer[decodedSettings]

// decodeSettings decodes a settings column over the defaults, so that a setting added after the
// row was written reads as its documented default, not as the zero value.
func decodeSettings(text string) (switchboard.Settings, error) {
	if last := lastSettings.Load(); last != nil && last.text == text {
		return last.settings, nil
	}
	settings := switchboard.DefaultSettings()
	if err := json.Unmarshal([]byte(text), &settings); err != nil {
		return switchboard.Settings{}, err
	}
	lastSettings.Store(&decodedSettings{text: text, settings: settings})
	return settings, nil
}
