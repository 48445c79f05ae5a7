package httpapi

import "github.com/switchboard/switchboard"

func (f *fakeSessions) Profile(*switchboard.Instance) (switchboard.ProfileClient, error) {
	return nil, switchboard.Errorf(switchboard.CodeNotConnected, "Instance is not connected to WhatsApp")
}
