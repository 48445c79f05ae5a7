package whatsapp

import (
	"context"
	"errors"
	"log/slog"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard"
)

// profileClient is switchboard.ProfileClient on one logged-in whatsmeow client.
type profileClient struct {
	cli *whatsmeow.Client
	own types.JID
	lid types.JID
	log *slog.Logger
	// keys waits for the phone's app-state key, which the push name patch needs.
	keys *messageClient
}

var _ switchboard.ProfileClient = (*profileClient)(nil)

// Profile returns the instance's profile client (switchboard.Sessions).
func (m *Manager) Profile(inst *switchboard.Instance) (switchboard.ProfileClient, error) {
	mc, err := m.Messages(inst)
	if err != nil {
		return nil, err
	}
	c := mc.(*messageClient)
	var lid types.JID
	if s := m.lookup(inst.ID); s != nil {
		s.mu.Lock()
		lid = s.lid.ToNonAD()
		s.mu.Unlock()
	}
	return &profileClient{cli: c.cli, own: c.own, lid: lid, log: c.log, keys: c}, nil
}

// Profile reads a user's about text, LID and picture with one usync query and one picture query;
// the name comes from what the device has seen (push names arrive on messages, business names
// on the usync answer), since WhatsApp serves no push name on request. The own profile's name is
// the device's push name.
func (p *profileClient) Profile(ctx context.Context, user switchboard.JID) (*switchboard.Profile, error) {
	jid := toWAJID(user).ToNonAD()
	if user.IsZero() {
		jid = p.own
	}
	if jid.Server == types.HiddenUserServer {
		if pn, err := p.cli.Store.LIDs.GetPNForLID(ctx, jid); err == nil && !pn.IsEmpty() {
			jid = pn
		}
	}
	infos, err := p.cli.GetUserInfo(ctx, []types.JID{jid})
	if err != nil {
		return nil, translate(err)
	}
	info := infos[jid]
	out := &switchboard.Profile{About: info.Status}
	switch {
	case jid.Server == types.HiddenUserServer:
		out.LID = toDomainJID(jid)
	default:
		out.JID, out.LID = toDomainJID(jid), toDomainJID(info.LID)
	}
	if jid == p.own {
		out.Name = p.cli.Store.PushName
		if out.LID.IsZero() && !p.lid.IsEmpty() {
			out.LID = toDomainJID(p.lid)
		}
	} else if c, err := p.cli.Store.Contacts.GetContact(ctx, jid); err == nil {
		out.Name = firstNonEmpty(c.PushName, c.BusinessName, c.FullName)
	}
	if out.PictureURL, err = p.pictureURL(ctx, jid); err != nil {
		return nil, err
	}
	return out, nil
}

// pictureURL is the user's picture URL, "" when there is none or it is hidden from us.
func (p *profileClient) pictureURL(ctx context.Context, jid types.JID) (string, error) {
	info, err := p.cli.GetProfilePictureInfo(ctx, jid, nil)
	switch {
	case errors.Is(err, whatsmeow.ErrProfilePictureNotSet), errors.Is(err, whatsmeow.ErrProfilePictureUnauthorized):
		return "", nil
	case err != nil:
		return "", translate(err)
	case info == nil:
		return "", nil
	}
	return info.URL, nil
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// SetPushName writes the push name the way WhatsApp's apps do: as the account's app-state
// setting, which the phone and every linked device sync; then the device keeps it and announces
// it in a presence stanza, where WhatsApp takes the name it stamps on the account's messages.
// The presence sent is "unavailable", so that renaming does not mark the instance online (which
// would stop the phone's notifications).
func (p *profileClient) SetPushName(ctx context.Context, name string) error {
	if err := p.keys.sendAppState(ctx, appstate.BuildSettingPushName(name)); err != nil {
		return err
	}
	p.cli.Store.PushName = name
	if err := p.cli.Store.Save(ctx); err != nil {
		return switchboard.Wrap(switchboard.CodeInternal, "saving the push name failed", err)
	}
	return translate(p.cli.SendPresence(ctx, types.PresenceUnavailable))
}

func (p *profileClient) SetAbout(ctx context.Context, text string) error {
	return translate(p.cli.SetStatusMessage(ctx, text))
}

// SetPicture sets or removes the own picture: whatsmeow's group-photo IQ without a target is
// the account's own picture, as WhatsApp's apps send it.
func (p *profileClient) SetPicture(ctx context.Context, jpeg []byte) error {
	_, err := p.cli.SetGroupPhoto(ctx, types.EmptyJID, jpeg)
	return translate(err)
}

// Privacy reads the settings from WhatsApp, never whatsmeow's cache: a change made on the phone
// would otherwise not show.
func (p *profileClient) Privacy(ctx context.Context) (switchboard.PrivacySettings, error) {
	s, err := p.cli.TryFetchPrivacySettings(ctx, true)
	if err != nil {
		return nil, translate(err)
	}
	return switchboard.PrivacySettings{
		switchboard.PrivacyLastSeen: string(s.LastSeen), switchboard.PrivacyStatus: string(s.Status),
		switchboard.PrivacyProfile: string(s.Profile), switchboard.PrivacyOnline: string(s.Online),
		switchboard.PrivacyReadReceipts: string(s.ReadReceipts), switchboard.PrivacyCallAdd: string(s.CallAdd),
		switchboard.PrivacyGroupAdd: string(s.GroupAdd),
	}, nil
}

func (p *profileClient) SetPrivacy(ctx context.Context, name, value string) error {
	_, err := p.cli.SetPrivacySetting(ctx, types.PrivacySettingType(name), types.PrivacySetting(value))
	return translate(err)
}
