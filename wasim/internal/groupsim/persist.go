package groupsim

import (
	"encoding/json"
	"fmt"

	"go.mau.fi/whatsmeow/types"
)

// MarshalState writes the whole engine state as JSON (sandbox mode
// persists it so groups survive a restart).
func (e *Engine) MarshalState() ([]byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return json.Marshal(e.st)
}

// UnmarshalState replaces the engine state with one written by
// MarshalState. On error the current state is kept. It does not call the
// OnChange hook: the state came from storage.
func (e *Engine) UnmarshalState(data []byte) error {
	st := newState()
	if err := json.Unmarshal(data, st); err != nil {
		return fmt.Errorf("groupsim: decode state: %w", err)
	}
	if st.Version != stateVersion {
		return fmt.Errorf("groupsim: state version %d, want %d", st.Version, stateVersion)
	}
	if st.Groups == nil {
		st.Groups = map[string]*group{}
	}
	if st.LIDs == nil {
		st.LIDs = map[string]types.JID{}
	}
	for id, g := range st.Groups {
		if g == nil || g.ID != id {
			return fmt.Errorf("groupsim: state group %q is inconsistent", id)
		}
	}
	e.mu.Lock()
	e.st = st
	e.mu.Unlock()
	return nil
}
